// The dev zone of stacks/Pulumi.dev.yaml, from TypeScript. The inputs are typed by the SDK that
// `pulumi package add ../../provider` generates from the provider's schema; they are validated like a
// stack file's regzone:* keys, and an invalid one fails the deployment naming the input (zone.keyUsers[0]).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as regzone from "@pulumi/regzone";

// The account baseline (baseline/, deployed first) owns the EC2 Auto Scaling service-linked role
// that the zone's volumes key names.
const baseline = new pulumi.StackReference("organization/regzone-baseline/dev");

// The zone's AWS provider: its region and the default tags every zone resource carries.
const devAiAws = new aws.Provider("dev-ai-aws", {
    region: "eu-west-1",
    defaultTags: {
        tags: {
            "owner": "platform-team@example.com",
            "zone": "dev-ai",
            "data-class": "personal_data+public",
            "environment": "dev",
            "change-ref": "CHG-0001",
            "managed-by": "pulumi",
        },
    },
});

const reviewDate = "2027-11-30";
const promoted = (repository: string, tag: string, source: string, checksum: string, signer: string) => ({
    repository, tag, source, checksum, signer,
    approval: "CHG-0001",
    permittedEnvironments: ["dev", "test"],
    reviewDate,
});

const devAi = new regzone.RegulatedAiZone("dev-ai", {
    region: "eu-west-1",
    allowedRegions: ["eu-west-1", "eu-central-1"],
    frameworks: ["GDPR"],
    dataClassPolicy: {
        public: { allowedZones: ["dev-ai"] },
        personal_data: { allowedZones: ["dev-ai"], requireRedactedLogs: true, retentionDays: 730 },
    },
    deployerRoleArn: "arn:aws:iam::111122223333:role/regzone-deployer",
    environment: "dev",
    autoscalingRoleArn: baseline.requireOutput("autoscaling_service_linked_role_arn") as pulumi.Output<string>,
    zone: {
        name: "dev-ai",
        assuranceLevel: 2,
        azCount: 2,
        vpcCidr: "10.40.0.0/16",
        keyAdministrators: ["arn:aws:iam::111122223333:role/dev-ai-key-admin"],
        keyUsers: ["arn:aws:iam::111122223333:role/dev-ai-workloads"],
        regulatedAiZone: {
            ingress: "private_only",
            egress: {
                default: "deny",
                allowedDestinations: ["model-registry.internal.example.com", ".api.example.com"],
            },
            workloads: { requireSignedImages: true, requireEncryptedVolumes: true, requireRuntimeIdentity: true },
        },
        workloads: [
            { name: "support-summarizer", kind: "inference", dataClasses: ["public", "personal_data"] },
            { name: "support-finetune", kind: "training", dataClasses: ["personal_data"] },
            { name: "support-eval", kind: "batch_evaluation", dataClasses: ["personal_data"] },
        ],
        pki: {
            keyAlgorithm: "ECDSA_P384",
            caValidityDays: 1825,
            certificateValidityDays: 90,
            renewBeforeDays: 30,
            services: [{ name: "model-gateway", dnsNames: ["model-gateway.dev-ai.internal"] }],
        },
        registry: {
            repositories: ["models/support-summarizer", "serving/vllm", "platform/nvidia-k8s-device-plugin",
                           "platform/aws-nitro-enclaves-k8s-device-plugin"],
            promotionRoleArn: "arn:aws:iam::111122223333:role/dev-ai-artifact-promotion",
            untaggedExpiryDays: 14,
            artifacts: [
                promoted("models/support-summarizer", "v1.4.0",
                         "https://model-registry.internal.example.com/support-summarizer/1.4.0",
                         "sha256:9f2c4e0b7d1a3c5e8f6b2d4a0c9e7f1b3d5a8c2e4f6b0d9a7c1e3f5b8d2a4c6e", "ml-release@example.com"),
                promoted("platform/nvidia-k8s-device-plugin", "v0.17.4", "nvcr.io/nvidia/k8s-device-plugin:v0.17.4",
                         "sha256:bf4caefdff535a555e5551d0412ff0922e3f467a8d843742ac69ce7b28af8c97",
                         "platform-release@example.com"),
                promoted("platform/aws-nitro-enclaves-k8s-device-plugin", "v0.3",
                         "public.ecr.aws/aws-nitro-enclaves/aws-nitro-enclaves-k8s-device-plugin:v0.3",
                         "sha256:8e427dc26f629935a278977c7884973b5b345c3b7a014a39e1b87ef9c76ab1cd",
                         "platform-release@example.com"),
            ],
        },
        cluster: {
            kubernetesVersion: "1.35",
            adminRoleArns: ["arn:aws:iam::111122223333:role/dev-ai-platform-admin"],
            nodeGroups: [
                { name: "gpu-inference", kind: "gpu", instanceTypes: ["g5.2xlarge"], confidential: "nitro_enclaves",
                  scaling: { minSize: 1, desiredSize: 1, maxSize: 2 } },
                { name: "cpu-preprocess", kind: "cpu", instanceTypes: ["m6a.2xlarge", "c6a.2xlarge"],
                  confidential: "sev_snp", scaling: { minSize: 1, desiredSize: 1, maxSize: 3 } },
            ],
        },
    },
}, { providers: [devAiAws] });

export const keyArns = devAi.keyArns;
export const auditBucket = devAi.auditBucketName;
export const clusterName = devAi.clusterName;
