"""Tags cannot be moved to another image once pushed: IMMUTABLE, or IMMUTABLE_WITH_EXCLUSION whose
filters name some tags only (a filter of `*` alone leaves every tag mutable: regzone_core.registry_tags)."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone_core.registry_tags import exclusion_problem


def judge(repo, ctx):
    mutability = repo.get("imageTagMutability")
    if mutability == "IMMUTABLE":
        return passed("image tags are immutable")
    if mutability == "IMMUTABLE_WITH_EXCLUSION":
        filters = repo.data.get("imageTagMutabilityExclusionFilters") or []
        problem = exclusion_problem(filters)
        if problem:
            return failed(f"image tag mutability is {mutability}, but {problem}")
        return passed(f"image tags are immutable except tags matching {[f.get('filter') for f in filters]}")
    return failed(f"image tag mutability is {mutability}")


def execute(ctx):
    return per_resource(ctx, "ecr", "repository", judge)
