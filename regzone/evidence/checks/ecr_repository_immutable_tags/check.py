"""Tags cannot be moved to another image once pushed."""
from regzone.evidence.checks import failed, passed, per_resource


def judge(repo, ctx):
    mutability = repo.get("imageTagMutability")
    if mutability == "IMMUTABLE":
        return passed("image tags are immutable")
    if mutability == "IMMUTABLE_WITH_EXCLUSION":
        filters = [f.get("filter") for f in repo.data.get("imageTagMutabilityExclusionFilters") or []]
        return passed(f"image tags are immutable except tags matching {filters}")
    return failed(f"image tag mutability is {mutability}")


def execute(ctx):
    return per_resource(ctx, "ecr", "repository", judge)
