"""Evidence proves what the control says: each check declares its subject (what it reads and judges),
the subject is tied to the API permission that reads it, and every control that cites a check must
be about that subject. A new control <-> check mapping has to be added here, on purpose."""
from __future__ import annotations

from regzone.catalog import load_catalog
from regzone.evidence.checks import load_checks

# subject -> the permissions a check must hold to read it (the audit-bucket subjects also need to know
# which buckets receive audit logs).
AUDIT_DESTINATIONS = ("cloudtrail:DescribeTrails", "ec2:DescribeFlowLogs", "s3:GetBucketTagging")
SUBJECT_READS = {
    "account public access block": ("s3:GetAccountPublicAccessBlock",),
    "audit bucket object lock": ("s3:GetBucketObjectLockConfiguration", *AUDIT_DESTINATIONS),
    "audit bucket versioning": ("s3:GetBucketVersioning", *AUDIT_DESTINATIONS),
    "bucket default encryption": ("s3:GetEncryptionConfiguration", "kms:DescribeKey"),
    "bucket lifecycle expiration": ("s3:GetLifecycleConfiguration", "s3:GetBucketTagging"),
    "bucket object ownership": ("s3:GetBucketOwnershipControls",),
    "bucket policy transport": ("s3:GetBucketPolicy",),
    "bucket public access block": ("s3:GetBucketPublicAccessBlock",),
    "cluster control-plane logging": ("eks:DescribeCluster",),
    "cluster endpoint access": ("eks:DescribeCluster",),
    "cluster secrets encryption": ("eks:DescribeCluster", "kms:DescribeKey"),
    "default security group rules": ("ec2:DescribeSecurityGroups",),
    "enclave key policy attestation conditions and measurements": ("kms:ListAliases", "kms:GetKeyPolicy"),
    "instance enclave options, AMD SEV-SNP CPU option and boot mode": ("ec2:DescribeInstances",),
    "key policy duty separation": ("kms:GetKeyPolicy",),
    "key policy principals": ("kms:GetKeyPolicy",),
    "key grant principals": ("kms:ListGrants",),
    "key rotation": ("kms:GetKeyRotationStatus",),
    "launch template instance metadata options": ("ec2:DescribeLaunchTemplateVersions",),
    "launch template public IP": ("ec2:DescribeLaunchTemplateVersions",),
    "launch template volume encryption": ("ec2:DescribeLaunchTemplateVersions", "kms:DescribeKey"),
    "log group encryption": ("logs:DescribeLogGroups", "kms:DescribeKey"),
    "log group retention": ("logs:DescribeLogGroups", "cloudtrail:DescribeTrails", "ec2:DescribeFlowLogs"),
    "repository encryption": ("ecr:DescribeRepositories", "kms:DescribeKey"),
    "repository image scanning": ("ecr:DescribeRepositories", "ecr:GetRegistryScanningConfiguration"),
    "repository policy principals": ("ecr:GetRepositoryPolicy",),
    "repository tag mutability": ("ecr:DescribeRepositories",),
    "subnet routes": ("ec2:DescribeRouteTables",),
    "trail destination bucket object lock": ("cloudtrail:DescribeTrails", "s3:GetBucketObjectLockConfiguration"),
    "trail log encryption": ("cloudtrail:DescribeTrails", "kms:DescribeKey"),
    "trail log file validation": ("cloudtrail:DescribeTrails",),
    "trail logging status": ("cloudtrail:GetTrailStatus",),
    "trail region coverage": ("cloudtrail:DescribeTrails",),
    "VPC flow logs": ("ec2:DescribeFlowLogs",),
    "EBS default encryption": ("ec2:GetEbsEncryptionByDefault", "ec2:GetEbsDefaultKmsKeyId", "kms:DescribeKey"),
    "Access Analyzer coverage": ("access-analyzer:ListAnalyzers",),
    "management trail presence": ("cloudtrail:DescribeTrails",),
    "service control policies": ("organizations:ListParents", "organizations:ListPoliciesForTarget",
                                 "organizations:DescribePolicy"),
    "identity policy action scope": ("iam:GetAccountAuthorizationDetails",),
    "identity policy PassRole resources": ("iam:GetAccountAuthorizationDetails",),
    "role trust policy principals": ("iam:GetAccountAuthorizationDetails",),
    "IAM user credentials": ("iam:ListAccessKeys", "iam:GetLoginProfile", "iam:GetAccountSummary"),
    "VPC flow log archive object lock": ("ec2:DescribeFlowLogs", "s3:GetBucketObjectLockConfiguration"),
    "VPC DNS firewall": ("route53resolver:ListFirewallRuleGroupAssociations", "route53resolver:ListFirewallRules",
                         "route53resolver:ListFirewallDomains", "route53resolver:ListFirewallConfigs",
                         "route53profiles:ListProfileAssociations"),
    "VPC DNS query logging": ("route53resolver:ListResolverQueryLogConfigAssociations",
                              "route53resolver:ListResolverQueryLogConfigs"),
    "notebook instance network and root access": ("sagemaker:DescribeNotebookInstance",),
    "model invocation logging": ("bedrock:GetModelInvocationLoggingConfiguration",),
    "egress firewall policy": ("network-firewall:DescribeFirewall", "network-firewall:DescribeFirewallPolicy",
                               "network-firewall:DescribeRuleGroup"),
    "deployment record integrity": ("s3:GetObject", "s3:GetObjectRetention", "kms:Verify"),
    "deployment drift": ("s3:GetBucketTagging", "kms:ListResourceTags", "ec2:DescribeVpcs", "kms:GetKeyPolicy"),
}

# control -> the subjects whose evidence proves it (read from each control's title and description).
CONTROL_SUBJECTS = {
    # the SCPs above the account, judged as a whole for each guardrail
    "RAZ-ORG-001": {"service control policies"},
    "RAZ-ORG-002": {"service control policies"},
    "RAZ-ORG-003": {"service control policies"},
    "RAZ-ORG-004": {"service control policies"},
    "RAZ-ORG-005": {"EBS default encryption"},
    "RAZ-ORG-006": {"Access Analyzer coverage"},
    "RAZ-KMS-001": {"key rotation"},
    # the record verifies (signed by the zone's record key, locked); the account matches it
    "RAZ-CHG-002": {"deployment record integrity"},
    "RAZ-CHG-003": {"deployment record integrity"},
    "RAZ-CHG-004": {"deployment drift"},
    # administrators manage, users use; and no `*` principal without conditions
    "RAZ-KMS-003": {"key policy duty separation", "key policy principals"},
    # grants to principals of other accounts
    "RAZ-EGR-003": {"key grant principals"},
    "RAZ-IAM-001": {"identity policy action scope"},
    "RAZ-IAM-002": {"identity policy PassRole resources"},
    "RAZ-IAM-003": {"IAM user credentials"},
    "RAZ-IAM-004": {"role trust policy principals"},
    # the data classes' requirements: audit logging, segmentation, private ingress, no public IP
    "RAZ-DCP-002": {"trail logging status", "subnet routes", "cluster endpoint access", "launch template public IP"},
    "RAZ-S3-001": {"bucket default encryption"},
    "RAZ-S3-002": {"bucket public access block", "account public access block"},
    "RAZ-S3-003": {"bucket object ownership"},
    "RAZ-S3-004": {"bucket policy transport"},
    # WORM: only audit buckets (and the trail's own bucket), never versioning of other buckets
    "RAZ-AUD-001": {"audit bucket object lock", "audit bucket versioning", "trail destination bucket object lock"},
    # the account baseline's (or the organization's) trail, multi-region, logging
    "RAZ-LOG-001": {"management trail presence", "trail region coverage", "trail logging status"},
    "RAZ-LOG-002": {"trail log file validation"},
    "RAZ-LOG-003": {"trail log encryption"},
    "RAZ-LOG-004": {"log group encryption"},
    "RAZ-LOG-005": {"log group retention"},
    # expiring data is proven by the lifecycle rules, not by encryption
    "RAZ-DATA-001": {"bucket lifecycle expiration"},
    "RAZ-NET-001": {"subnet routes"},
    "RAZ-NET-002": {"launch template public IP"},
    "RAZ-NET-003": {"default security group rules"},
    "RAZ-NET-005": {"subnet routes", "egress firewall policy"},
    "RAZ-NET-006": {"VPC flow logs", "VPC flow log archive object lock", "log group encryption", "log group retention"},
    "RAZ-NET-008": {"VPC DNS firewall"},
    "RAZ-NET-009": {"VPC DNS query logging", "log group encryption", "log group retention"},
    # the admission rule itself lives in the cluster; the account shows that tags cannot be moved
    # and that what is pushed is scanned ("what was scanned and approved at promotion")
    "RAZ-K8S-003": {"repository tag mutability", "repository image scanning"},
    "RAZ-K8S-005": {"subnet routes"},
    "RAZ-K8S-013": {"subnet routes"},  # an internet-facing ALB needs subnets routed to an internet gateway
    # IMDSv2 with hop limit 1 keeps pods from the node role's credentials
    "RAZ-K8S-008": {"launch template instance metadata options"},
    "RAZ-ECR-001": {"repository tag mutability"},
    "RAZ-ECR-002": {"repository image scanning"},
    "RAZ-ECR-003": {"repository encryption"},
    "RAZ-ECR-004": {"repository policy principals"},
    "RAZ-EKS-001": {"cluster endpoint access"},
    "RAZ-EKS-002": {"cluster secrets encryption"},
    "RAZ-EKS-003": {"cluster control-plane logging", "log group encryption", "log group retention"},
    "RAZ-CMP-001": {"launch template instance metadata options"},
    "RAZ-CMP-002": {"launch template volume encryption"},
    "RAZ-CMP-003": {"launch template public IP"},
    # the running nodes' options, not their launch templates: enclaves or SEV-SNP on, and UEFI boot
    "RAZ-CMP-004": {"instance enclave options, AMD SEV-SNP CPU option and boot mode"},
    "RAZ-CMP-007": {"instance enclave options, AMD SEV-SNP CPU option and boot mode"},
    "RAZ-CMP-008": {"enclave key policy attestation conditions and measurements"},
    "RAZ-AI-001": {"notebook instance network and root access"},
    "RAZ-AI-005": {"model invocation logging"},
}


def test_every_check_declares_a_known_subject_and_holds_the_permissions_that_read_it():
    for check in load_checks():
        assert check.subject in SUBJECT_READS, f"{check.name}: unknown subject {check.subject!r}"
        missing = set(SUBJECT_READS[check.subject]) - set(check.permissions)
        assert not missing, f"{check.name} claims to read {check.subject!r} without {sorted(missing)}"


def test_every_cited_check_reads_what_its_control_is_about():
    checks = {c.name: c for c in load_checks()}
    wrong = [f"{control.id} cites {name} (subject {checks[name].subject!r}); it is about "
             f"{sorted(CONTROL_SUBJECTS.get(control.id, set()))}"
             for control in load_catalog().controls for name in control.evidence
             if checks[name].subject not in CONTROL_SUBJECTS.get(control.id, set())]
    assert wrong == []


def test_every_check_proves_at_least_one_control():
    cited = {name for control in load_catalog().controls for name in control.evidence}
    assert [c.name for c in load_checks() if c.name not in cited] == []


def test_the_table_names_only_controls_that_cite_evidence():
    citing = {c.id for c in load_catalog().controls if c.evidence}
    assert set(CONTROL_SUBJECTS) == citing
