"""The rollback target (RAZ-CHG-005): two records of the dev stack written by `regzone record` into the
moto zone, the second naming the first as its target; `regzone rollback-plan` returns to the first's
commit and image digests, and refuses, without a trace, when there is nothing verified to return to."""
from __future__ import annotations

import json

import boto3
import pytest

import regzone.record.store as store
from regzone.cli import main
from regzone.tags import AUDIT_TRUE, TAG_AUDIT, TAG_ZONE
from regzone_core.registry_intake import parameter_name
from regzone.record.rollback import FACET
from regzone_core.registry_lifecycle import rollback_image_problems
from tests.record.conftest import BUCKET, REGION, ZONE
from tests.record.test_record import put_copy, read

FIRST, SECOND = "1" * 40, "2" * 40
MODEL = f"{ZONE}/models/support-summarizer"
PLUGINS = {"platform/nvidia-k8s-device-plugin": "v0.17.4", "platform/aws-nitro-enclaves-k8s-device-plugin": "v0.3"}


@pytest.fixture
def tagged_bucket(aws_zone):
    """The audit bucket as the zone program tags it, so that `regzone rollback-plan` finds it."""
    aws_zone["s3"].put_bucket_tagging(Bucket=BUCKET, Tagging={"TagSet": [
        {"Key": TAG_ZONE, "Value": ZONE}, {"Key": TAG_AUDIT, "Value": AUDIT_TRUE}]})
    return aws_zone


@pytest.fixture
def registry(aws_zone, cached_preview):
    """The zone's repositories with the lifecycle policy RestrictedRegistry renders, and promoted images:
    the model at v1.4.0 and v1.5.0 and the two device plugins. Returns {(repository, tag): digest}."""
    ecr = boto3.client("ecr", region_name=REGION)
    for r in cached_preview.recording.resources:
        if r.type == "aws:ecr/lifecyclePolicy:LifecyclePolicy":
            ecr.create_repository(repositoryName=r.inputs["repository"])
            ecr.put_lifecycle_policy(repositoryName=r.inputs["repository"], lifecyclePolicyText=r.inputs["policy"])
    digests = {}
    for repository, tag in [("models/support-summarizer", "v1.4.0"), ("models/support-summarizer", "v1.5.0"),
                            *PLUGINS.items()]:
        manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "config": {"digest": f"sha256:{hash((repository, tag)) & 0xffff:064x}"}})
        image = ecr.put_image(repositoryName=f"{ZONE}/{repository}", imageManifest=manifest, imageTag=tag)["image"]
        digests[(f"{ZONE}/{repository}", tag)] = image["imageId"]["imageDigest"]
    return digests


def with_model(state_file, tmp_path, name, tag, digests):
    """A copy of the dev state whose deployed intake manifest promoted the model under `tag`, every
    artifact with the digest the registry gave it."""
    document = json.loads(state_file.read_text())
    (parameter,) = [r for r in document["deployment"]["resources"]
                    if r["type"] == "aws:ssm/parameter:Parameter" and r["inputs"].get("name") == parameter_name(ZONE)]
    manifest = json.loads(parameter["inputs"]["insecureValue"])
    for artifact in manifest["artifacts"]:
        if artifact["repository"] == "models/support-summarizer":
            artifact["tag"] = tag
        artifact["checksum"] = digests[(f"{ZONE}/{artifact['repository']}", artifact["tag"])]
    parameter["inputs"]["insecureValue"] = json.dumps(manifest)
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def record(state, commit, capsys) -> str:
    assert main(["record", "--stack", "dev", "--state", str(state), "--commit", commit]) == 0, capsys.readouterr().err
    (uri,) = capsys.readouterr().out.split()
    return uri


def model_image(images):
    return next(i for i in images if i["repository"] == MODEL)


@pytest.fixture
def two_records(tagged_bucket, registry, state_file, cached_preview, tmp_path, capsys):
    """v1.4.0 deployed at FIRST, then v1.5.0 at SECOND."""
    first = record(with_model(state_file, tmp_path, "first.json", "v1.4.0", registry), FIRST, capsys)
    second = record(with_model(state_file, tmp_path, "second.json", "v1.5.0", registry), SECOND, capsys)
    return first, second


@pytest.fixture
def old_digest(registry):
    return registry[(MODEL, "v1.4.0")]


@pytest.fixture
def new_digest(registry):
    return registry[(MODEL, "v1.5.0")]


def plan_json(capsys) -> dict:
    assert main(["rollback-plan", "--stack", "dev", "--format", "json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_the_second_record_names_the_first_as_its_rollback_target(two_records, old_digest, new_digest):
    first, second = two_records
    own = read(first)["event"]["run"]["facets"][FACET]
    assert "target" not in own and own["notVerified"] == []
    assert model_image(own["images"]) == {"repository": MODEL, "tag": "v1.4.0", "digest": old_digest}
    # every promoted artifact of the zone, by digest: the model and the two device plugins
    assert sorted(i["repository"] for i in own["images"]) == sorted(
        [MODEL, f"{ZONE}/platform/aws-nitro-enclaves-k8s-device-plugin", f"{ZONE}/platform/nvidia-k8s-device-plugin"])
    rollback = read(second)["event"]["run"]["facets"][FACET]
    assert model_image(rollback["images"])["digest"] == new_digest
    target = rollback["target"]
    assert (target["uri"], target["commit"], target["images"]) == (first, FIRST, own["images"])


def test_rollback_plan_returns_the_dev_stack_to_the_previous_commit_and_digests(two_records, old_digest, capsys):
    first, second = two_records
    plan = plan_json(capsys)
    assert plan["commit"] == FIRST
    (zone,) = plan["zones"]
    assert (zone["zone"], zone["current"]["uri"], zone["current"]["commit"]) == (ZONE, second, SECOND)
    assert zone["target"]["uri"] == first and model_image(zone["target"]["images"])["digest"] == old_digest
    # every target image is still in the registry, and its live lifecycle policy cannot take it
    assert {i["registry"]["state"] for i in zone["target"]["images"]} == {"present"}
    assert [i["registry"]["lifecycle"] for i in zone["target"]["images"]] == [[], [], []]
    assert zone["rehearsal"] == {"assuranceLevel": 2, "rehearseEveryDays": 365, "objectiveMinutes": 15}
    assert f"git restore --source={FIRST} --staged --worktree -- :/" in plan["commands"]["deployWorkflow"]
    assert any(f"--commit {FIRST}" in command for command in plan["commands"]["byHand"])
    assert f"regzone evidence --stack dev --record latest --region {REGION}" in plan["commands"]["byHand"]
    assert any("new signed, COMPLIANCE-locked deployment record" in e for e in plan["evidence"])


def test_rollback_plan_text_names_commit_digests_commands_and_evidence(two_records, old_digest, new_digest,
                                                                       capsys):
    assert main(["rollback-plan", "--stack", "dev"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"Rollback plan for stack dev: redeploy commit {FIRST}\n")
    assert f"{MODEL}@{old_digest} (tag v1.4.0): present" in text and new_digest not in text
    assert f"pulumi up --stack dev --policy-pack policypacks/regulated-ai" in text
    assert "rehearse this rollback at least every 365 days; objective: done within 15 minutes" in text
    assert "Evidence the rollback leaves:" in text


def test_a_newer_record_that_does_not_verify_is_passed_over(tagged_bucket, registry, state_file, cached_preview,
                                                            tmp_path, capsys):
    first = record(with_model(state_file, tmp_path, "first.json", "v1.4.0", registry), FIRST, capsys)
    tampered = read(first)
    tampered["event"]["run"]["facets"]["regzone_change"]["commit"] = "f" * 40
    # sorts after the first record and before the next one
    forged = put_copy(tampered, key=store.parse_uri(first)[1].replace(".json", "~forged.json"))
    second = record(with_model(state_file, tmp_path, "second.json", "v1.5.0", registry), SECOND, capsys)
    rollback = read(second)["event"]["run"]["facets"][FACET]
    assert rollback["target"]["uri"] == first and rollback["target"]["commit"] == FIRST
    (passed_over,) = rollback["notVerified"]
    assert passed_over["uri"] == forged
    assert "field /run/facets/regzone_change/commit does not match its digest (changed)" in passed_over["problems"]
    assert plan_json(capsys)["zones"][0]["passedOver"] == rollback["notVerified"]


def test_no_previous_verified_record_is_a_clear_error(tagged_bucket, state_file, cached_preview, capsys):
    only = record(state_file, FIRST, capsys)
    assert main(["rollback-plan", "--stack", "dev"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    assert captured.err == (f"regzone rollback-plan: no rollback plan: stack dev has no previous verified record in "
                            f"zone {ZONE} before {only}: this is its first verified deployment, so there is nothing "
                            "to roll back to; fix forward through a pull request, or redeploy a known-good commit "
                            "with the deploy workflow\n")


def test_no_record_at_all_is_a_clear_error(tagged_bucket, capsys):
    assert main(["rollback-plan", "--stack", "dev"]) == 1
    err = capsys.readouterr().err
    assert f"zone {ZONE} has no record of stack dev in s3://{BUCKET}/deployment-records/regzone/dev/" in err
    assert "deploy with the deploy workflow, which writes the first record" in err and "Traceback" not in err


def test_a_target_that_no_longer_verifies_is_no_target(two_records, aws_zone, capsys):
    first, _ = two_records
    changed = read(first)
    changed["event"]["run"]["facets"]["regzone_change"]["commit"] = "f" * 40
    # a new version over the first record (the lock keeps the old version, not the object's latest content)
    aws_zone["s3"].put_object(Bucket=BUCKET, Key=store.parse_uri(first)[1], Body=json.dumps(changed).encode())
    assert main(["rollback-plan", "--stack", "dev"]) == 1
    err = capsys.readouterr().err
    assert f"the rollback target of " in err and f"{first}, no longer verifies" in err


def test_a_newest_record_that_does_not_verify_makes_no_plan(two_records, aws_zone, capsys):
    _, second = two_records
    document = read(second)
    document["event"]["run"]["facets"][FACET]["target"]["commit"] = "f" * 40
    aws_zone["s3"].put_object(Bucket=BUCKET, Key=store.parse_uri(second)[1], Body=json.dumps(document).encode())
    assert main(["rollback-plan", "--stack", "dev"]) == 1
    err = capsys.readouterr().err
    assert f"the newest record of stack dev in zone {ZONE}, {second}, does not verify" in err
    assert "field /run/facets/regzone_rollback/target/commit does not match its digest (changed)" in err


def test_the_registry_the_component_renders_keeps_every_recorded_image(two_records, cached_preview):
    """The lifecycle policies of the dev zone's repositories, as RestrictedRegistry renders them, can take
    no image a retained record names (the second record's images and its target's)."""
    _, second = two_records
    rollback = read(second)["event"]["run"]["facets"][FACET]
    images = rollback["images"] + rollback["target"]["images"]
    policies = {r.inputs["repository"]: r.inputs["policy"] for r in cached_preview.recording.resources
                if r.type == "aws:ecr/lifecyclePolicy:LifecyclePolicy"}
    assert {i["repository"] for i in images} <= set(policies)
    assert {i["repository"]: rollback_image_problems(policies[i["repository"]], i["tag"]) for i in images} == {
        i["repository"]: [] for i in images}


def test_the_lifecycle_check_fails_when_a_rule_could_expire_a_recorded_image(two_records, cached_preview):
    _, second = two_records
    image = model_image(read(second)["event"]["run"]["facets"][FACET]["images"])
    rendered = next(json.loads(r.inputs["policy"]) for r in cached_preview.recording.resources
                    if r.type == "aws:ecr/lifecyclePolicy:LifecyclePolicy" and r.inputs["repository"] == MODEL)
    # keep the 10 newest release tags: the recorded target v1.4.0 is the 11th after ten releases
    rendered["rules"].append({"rulePriority": 2, "description": "keep 10 releases", "action": {"type": "expire"},
                              "selection": {"tagStatus": "tagged", "tagPatternList": ["v*"],
                                            "countType": "imageCountMoreThan", "countNumber": 10}})
    (problem,) = rollback_image_problems(rendered, image["tag"])
    assert problem.startswith('rule 2 (keep 10 releases) selects tagged images matching ["v*"], so it can expire')


def test_a_target_image_gone_from_the_registry_makes_no_plan(two_records, old_digest, capsys):
    boto3.client("ecr", region_name=REGION).batch_delete_image(repositoryName=MODEL,
                                                               imageIds=[{"imageDigest": old_digest}])
    assert main(["rollback-plan", "--stack", "dev"]) == 1
    err = capsys.readouterr().err
    assert f"zone {ZONE}: the rollback target's images {MODEL}@{old_digest} are no longer in the registry" in err


def test_a_live_lifecycle_rule_that_could_take_a_target_image_is_shown(two_records, capsys):
    ecr = boto3.client("ecr", region_name=REGION)
    ecr.put_lifecycle_policy(repositoryName=MODEL, lifecyclePolicyText=json.dumps({"rules": [
        {"rulePriority": 1, "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 1},
         "action": {"type": "expire"}}]}))
    assert main(["rollback-plan", "--stack", "dev"]) == 0
    assert "      lifecycle: rule 1 selects every image, so it can expire an image" in capsys.readouterr().out


def test_a_registry_the_caller_may_not_read_is_unchecked_not_present():
    """The repository policy lets only the zone's pullers and the promotion role read images: the
    deployer's plan says the images were not checked, never that they are there."""
    from botocore.exceptions import ClientError

    from regzone.record.rollback import registry_status

    class DeniedEcr:
        def describe_images(self, **_):
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "denied"}}, "DescribeImages")

    class Session:
        def client(self, service, region_name):
            assert (service, region_name) == ("ecr", REGION)
            return DeniedEcr()

    status = registry_status(Session(), REGION, {"repository": MODEL, "tag": "v1.4.0", "digest": "sha256:" + "a" * 64},
                             [])
    assert status["state"] == "unchecked" and "DescribeImages failed (AccessDeniedException)" in status["detail"]


def test_records_written_before_rollback_targets_still_give_a_plan(tagged_bucket, registry, state_file,
                                                                   cached_preview, tmp_path, capsys, monkeypatch):
    """Records of the previous version carry no regzone_rollback facet: the plan finds the previous verified
    record itself, and says the target's images were not recorded rather than inventing them."""
    import regzone.record.document as document

    written = document.run_event

    def without_rollback(**kwargs):
        event = written(**kwargs)
        del event["run"]["facets"][FACET]
        return event

    monkeypatch.setattr(document, "run_event", without_rollback)
    first = record(with_model(state_file, tmp_path, "first.json", "v1.4.0", registry), FIRST, capsys)
    second = record(with_model(state_file, tmp_path, "second.json", "v1.5.0", registry), SECOND, capsys)
    assert FACET not in read(second)["event"]["run"]["facets"]
    (zone,) = plan_json(capsys)["zones"]
    assert (zone["current"]["uri"], zone["target"]["uri"], zone["target"]["commit"]) == (second, first, FIRST)
    assert zone["target"]["images"] is None
    assert main(["rollback-plan", "--stack", "dev"]) == 0
    assert "(not recorded: the target record predates image recording" in capsys.readouterr().out
