"""Every resource that uses a key of the stack finds in that key's policy what AWS performs with it
(control RAZ-DEP-002): as the caller when the deployer creates the resource, and as the service
principals, service-linked roles and roles that use the key afterwards.

The requests per resource type, with the request context AWS documents and the page that says so,
are data: catalog/key_caller_permissions.yaml (regzone/key_caller_permissions.py). The key is
found through the input's dependency on a key (or on an alias of one); a KeyPolicy resource for the
key replaces its policy. Each request is judged by regzone_core.policy.evaluate; a key the stack
does not create cannot be judged and is reported.

A resource of a type the file has no row for, that names a key in any key input (`kmsKeyId`,
`...KmsKeyArn`, `kmsMasterKeyId`, an EBS block device's `kmsKeyId` ...), cannot be judged either: what
AWS performs with the key for it is not recorded, so nothing shows the key policy allows it. It is
reported until its row is added (the sibling an unrecorded type would otherwise be). Its key inputs are
those its pulumi-aws schema declares (regzone/key_inputs.py), so an input unknown at preview that may
hold one (a block with a `kmsKeyId` inside) is reported as unverifiable, and one that cannot is not; a
type the pinned SDK does not have is searched by input names at any depth, and any unknown may hold a key.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from regulated_ai.documents import PolicyProblem, parsed_policy, partition_of, region_of, zone_account
from regulated_ai.framework import ResourceView, StackView, Unverifiable, is_unknown, reference, stack_policy, unverifiable
from regulated_ai.policies.key_lockout import key_arn
from regulated_ai.policies.tagging import is_aws_resource
from regulated_ai.types import KMS_ALIAS, KMS_KEY_POLICY, KMS_KEYS
from regzone.key_caller_permissions import CallerPermission, caller_permissions
from regzone.key_inputs import is_key_input, is_kms_key_input, schema_key_inputs
from regzone_core.policy import Decision, Policy, Principal, Request, evaluate, parse_policy
from regzone_core.policy.kms import GRANT_OPERATIONS
from regzone_core.policy.lockout import role_session

_PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[A-Za-z0-9]+)?)\}")
# AWS managed keys: AWS keeps their policies (use through the service, for the account).
_AWS_MANAGED = re.compile(r"(^|:)alias/aws/")
# A key input named for any key (`keyId`: an API key, a signing key ...) names a KMS key when its value shows one.
_KMS_KEY_VALUE = re.compile(r"^(arn:[^:]+:kms:|alias/)")
# Tags are metadata (string keys and values): no service uses a key a tag names.
_TAG_INPUTS = frozenset({"tags", "tagsAll"})
# What configures a key rather than using it: judged as part of the key.
_KEY_CONFIGURATION = (KMS_KEY_POLICY, KMS_ALIAS)


def _values(node, parts: list[str]) -> list:
    """The values at a `a.b` / `a[].b` path (every item of a list marked `[]`)."""
    if not parts:
        return [node]
    if is_unknown(node):
        return [node]
    name, many = parts[0].removesuffix("[]"), parts[0].endswith("[]")
    child = node.get(name) if isinstance(node, dict) else None
    if child is None:
        return []
    items = child if many and isinstance(child, list) else [child]
    return [v for item in items for v in _values(item, parts[1:])]


def _stack_keys(resource: ResourceView, top: str) -> list[tuple[ResourceView, str]]:
    """The keys of the stack the input `top` came from, directly or through an alias."""
    found: list[tuple[ResourceView, str]] = []
    for dependency in resource.property_dependencies.get(top, []):
        if dependency.type in KMS_KEYS:
            found.append((dependency, f"key '{dependency.name}'"))
        elif dependency.type == KMS_ALIAS:
            found += [(key, f"key '{key.name}' (through alias '{dependency.name}')")
                      for key in dependency.property_dependencies.get("targetKeyId", []) if key.type in KMS_KEYS]
    return found


def _named_key(value: str, stack: StackView) -> list[tuple[ResourceView | None, str]]:
    """The key a literal names: a key of the stack through its alias name, else None (outside the stack)."""
    alias = next((a for a in stack.of_type(KMS_ALIAS) if a.get("name") == value), None)
    targets = [k for k in alias.property_dependencies.get("targetKeyId", []) if k.type in KMS_KEYS] if alias else []
    return [(key, f"key '{key.name}' (alias {value})") for key in targets] or [(None, value)]


def _keys_of(resource: ResourceView, row: CallerPermission, stack: StackView) -> list[tuple[ResourceView | None, str]]:
    """(key resource, how the resource names it) for each key the resource uses; None: outside the stack."""
    found: list[tuple[ResourceView | None, str]] = list(
        _stack_keys(resource, row.key_property.split(".", 1)[0].removesuffix("[]")))
    if found:
        return found
    for value in _values(resource.props, row.key_property.split(".")):
        if is_unknown(value):
            raise unverifiable(value, row.key_property.replace("[]", ""))
        if not isinstance(value, str) or not value or _AWS_MANAGED.search(value):
            continue
        found += _named_key(value, stack)
    return found


def _key_inputs(value, path: str, schema_path: str, schema: frozenset[str] | None) -> Iterator[tuple[str, bool]]:
    """(path, names a KMS key) of every key input within `value`, the input at `path` (`schema_path`: the
    same without list indexes): those of the type's schema, or for a type the pinned SDK does not have
    (schema None) every input named as one. An unknown that may hold a KMS key input counts as one."""
    name = path.rsplit(".", 1)[-1]
    if (schema_path in schema) if schema is not None else is_key_input(name):
        yield path, is_kms_key_input(name)
    elif is_unknown(value):
        if schema is None or any(key.startswith(f"{schema_path}.") and is_kms_key_input(key.rsplit(".", 1)[-1])
                                 for key in schema):
            yield path, True
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _key_inputs(item, f"{path}.{key}", f"{schema_path}.{key}", schema)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _key_inputs(item, f"{path}.{index}", schema_path, schema)


def _keys_named_anywhere(resource: ResourceView, stack: StackView) -> list[tuple[ResourceView | None, str]]:
    """The keys any key input of the resource names (of the stack, or None: outside it); AWS managed ones
    are AWS's. An unknown KMS key input, or an unknown that may hold one, without a key of the stack behind
    it cannot be judged; an unknown `keyId` may be a key of another kind."""
    found: list[tuple[ResourceView | None, str]] = []
    schema = schema_key_inputs(resource.type)
    # Key inputs are found scanning every input as a reference; each one found is read as the control
    # depends on it, unless the key of the stack behind it is known from its dependency. Tags are
    # metadata: a key named in a tag is no use of it (the schema has no key input under them).
    for top, value in reference(resource.props).items():
        if schema is None and top in _TAG_INPUTS:
            continue
        inputs = list(_key_inputs(value, top, top, schema))
        if not inputs:
            continue
        keys = _stack_keys(resource, top)
        if keys:
            found += keys
            continue
        for path, kms_input in inputs:
            named = resource.get(path)
            if is_unknown(named):
                if kms_input:
                    raise unverifiable(named, path)
                continue
            if isinstance(named, str) and named and not _AWS_MANAGED.search(named) \
                    and (kms_input or _KMS_KEY_VALUE.match(named)):
                found += _named_key(named, stack)
    return found


def _key_policy(key: ResourceView, stack: StackView, account: str) -> Policy:
    """The policy KMS applies: a KeyPolicy resource's for the key, else the key's own, else the
    default key policy (the account root, which delegates to IAM: AWS KMS Developer Guide)."""
    for attached in stack.of_type(KMS_KEY_POLICY):
        if key in attached.property_dependencies.get("keyId", []):
            return parsed_policy(attached)
    own = parsed_policy(key)
    if own is not None:
        return own
    return parse_policy({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:{partition_of(key, stack.settings)}:iam::{account}:root"},
        "Action": "kms:*", "Resource": "*"}]})


def _fill(template: str, facts: dict[str, str], resource: ResourceView) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name.startswith("props."):
            found = resource.known(name.removeprefix("props."))
            if not isinstance(found, str):
                raise PolicyProblem(f"'{resource.name}' has no {name.removeprefix('props.')}, which names who "
                                    "uses its key")
            return found
        if name == "name" and "name" not in facts:
            found = resource.known("name")
            if not isinstance(found, str):
                raise PolicyProblem(f"'{resource.name}' has no literal `name`, which the requests to its key carry")
            facts["name"] = found
        return facts[name]
    return _PLACEHOLDER.sub(value, template)


def _requests(resource: ResourceView, rows: list[CallerPermission], stack: StackView, deployer: str, account: str
              ) -> Iterator[tuple[CallerPermission, str, Request]]:
    region = region_of(resource)
    if region is None:
        raise Unverifiable("region")
    facts = {"partition": partition_of(resource, stack.settings), "region": region, "account": account}
    for row in rows:
        if row.resource_arn:
            facts["resource_arn"] = _fill(row.resource_arn, facts, resource)
        if row.actions:
            caller, context = role_session(deployer)
            context = {**context, "kms:ViaService": f"{row.via_service}.{region}.amazonaws.com",
                       **{k: _fill(v, facts, resource) for k, v in row.caller_context.items()}}
            for action in row.actions:
                grant = {"kms:GrantIsForAWSResource": "true"} \
                    if row.grant_for_aws_resource and action in GRANT_OPERATIONS else {}
                yield row, f"the deployer {deployer} (as the caller)", Request(caller, action, "", {**context, **grant})
        for use in row.service_uses:
            (kind, template), = use.principal.items()
            principal = _fill(template, facts, resource)
            context = {k: _fill(v, facts, resource) for k, v in use.context.items()}
            who = Principal(kind, principal)
            if kind == "AWS":   # a role: its session, with the principal keys it carries
                who, carried = role_session(principal, "aws-service")
                context = {**carried, **context}
            for action in use.actions:
                yield row, principal, Request(who, action, "", context)


def _recorded_types() -> frozenset[str]:
    """Every type catalog/key_caller_permissions.yaml has a row for, judged here or not."""
    return frozenset(row.resource for row in caller_permissions().rows)


def _rows_by_type() -> dict[str, list[CallerPermission]]:
    rows: dict[str, list[CallerPermission]] = {}
    for row in caller_permissions().rows:
        if row.judged_here and (row.actions or row.service_uses):
            rows.setdefault(row.resource, []).append(row)
    return rows


@stack_policy(
    "key-caller-permissions",
    description="The policy of every key a resource uses allows what AWS performs with it for that resource "
                "(as the caller, and as its service principals and service-linked roles); a resource of a type "
                "whose requests are not recorded cannot use a key.",
    controls=["RAZ-DEP-002"], types=is_aws_resource)
def key_caller_permissions(stack: StackView) -> Iterator[tuple[str, str]]:
    deployer = stack.settings.deployer_role_arn
    account = zone_account(stack.settings)
    yield from _unrecorded_uses(stack)
    for resource_type, rows in _rows_by_type().items():
        for resource in stack.of_type(resource_type):
            try:
                yield from _judge(resource, rows, stack, deployer, account)
            except Unverifiable as missing:  # reported where it sits (the key's policy, say)
                yield missing.urn or resource.urn, (
                    f"'{resource.name}': whether its key allows what AWS performs with it cannot be verified at "
                    f"preview: `{missing.path}` is unknown until deployment.")
            except PolicyProblem as problem:
                yield resource.urn, f"{problem}."


def _judge(resource: ResourceView, rows: list[CallerPermission], stack: StackView, deployer: str | None,
           account: str | None) -> Iterator[tuple[str, str]]:
    keys = _keys_of(resource, rows[0], stack)
    if not keys:
        return
    if deployer is None or account is None:
        yield resource.urn, (f"'{resource.name}': whether its key allows what AWS performs with it cannot be "
                             "verified: the pack setting deployer_role_arn (the deployer and the zone's account) is "
                             "not configured.")
        return
    for key, named in keys:
        if key is None:
            yield resource.urn, (f"'{resource.name}' uses the key {named}, which this stack does not create: its "
                                 "policy cannot be judged, so nothing shows that AWS may use it for the resource. Use "
                                 "a zone key, or check that key's policy against catalog/key_caller_permissions.yaml.")
            continue
        policy = _key_policy(key, stack, account)
        arn = key_arn(key, account, stack.settings)
        for row, who, request in _requests(resource, rows, stack, deployer, account):
            decision = evaluate(policy, Request(request.principal, request.action, arn, request.context))
            if decision is not Decision.ALLOW:
                context = ", ".join(f"{k}={v}" for k, v in sorted(request.context.items())
                                    if k.startswith(("kms:", "aws:Source")))
                yield resource.urn, (f"'{resource.name}' uses {named}, whose policy does not allow {who} "
                                     f"{request.action} ({decision.value}; request context {context}). AWS refuses "
                                     f"what it performs for the resource; see {row.sources[0]}.")


def _unrecorded_uses(stack: StackView) -> Iterator[tuple[str, str]]:
    recorded = _recorded_types()
    for resource in stack.resources:
        if not is_aws_resource(resource.type) or resource.type in recorded or resource.type in _KEY_CONFIGURATION:
            continue
        try:
            keys = _keys_named_anywhere(resource, stack)
        except Unverifiable as missing:
            yield missing.urn or resource.urn, (f"'{resource.name}': which key it uses cannot be verified at preview: "
                                 f"`{missing.path}` is unknown until deployment.")
            continue
        for _, named in keys:
            yield resource.urn, (f"'{resource.name}' ({resource.type}) uses {named}, but what AWS performs with a key "
                                 "for this resource type is not recorded in catalog/key_caller_permissions.yaml, so "
                                 "nothing shows that the key's policy allows it: add the type's row (with the AWS page) "
                                 "and the key policy statement it needs.")
