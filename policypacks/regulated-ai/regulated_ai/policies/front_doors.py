"""Public front doors (controls RAZ-ING-001..003): API Gateway, Lambda function URLs and permissions,
CloudFront, Global Accelerator, AppSync and Transfer Family, in zones whose data classes require
private ingress (`require_private_ingress`, the requirement RAZ-DCP-002 judges for load balancers,
public IPs and security groups).

A front door's zone is its `zone` tag (provider default tags included), else the zone of the
resource it fronts (the input's property dependencies: the function of a URL, the API of a policy).
One whose zone cannot be told, in a stack with a private-ingress zone, is reported: it may open that
zone. What AWS exposes by default is cited where it is judged.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from regulated_ai.boundary import account_problems, zone_of
from regulated_ai.documents import PolicyProblem, parsed_policy, zone_account
from regulated_ai.framework import ResourceView, StackView, resource_policy, stack_policy
from regulated_ai.policies.placement import zones_requiring
from regulated_ai.types import (APPSYNC_API, CLOUDFRONT_DISTRIBUTIONS, GLOBAL_ACCELERATORS, HTTP_API,
                                HTTP_DOMAIN_NAME, LAMBDA_FUNCTION_URL, LAMBDA_LAYER_PERMISSION, LAMBDA_PERMISSION,
                                REST_API, REST_API_POLICY, REST_DOMAIN_NAME, TRANSFER_SERVER)
from regulated_ai.values import Unverifiable, is_unknown
from regzone_core.policy import Decision, Policy, PolicyError, Principal, Request, evaluate, parse_policy
from regzone_core.policy.evaluation import ANONYMOUS

Finding = tuple[str, str]
PRIVATE_INGRESS = "require_private_ingress"
# The input through which a front door names what it fronts, for its zone when it carries no zone tag.
_FRONTED_BY = {REST_API_POLICY: "restApiId", LAMBDA_FUNCTION_URL: "functionName"}


def _zone(resource: ResourceView) -> str | None:
    zone = zone_of(resource)
    if zone is None and resource.type in _FRONTED_BY:
        zone = next((z for d in resource.property_dependencies.get(_FRONTED_BY[resource.type], [])
                     if (z := zone_of(d))), None)
    return zone


def _in_private_zones(stack: StackView, types: Iterable[str]) -> Iterator[tuple[ResourceView, str]]:
    """(front door, its zone) for every front door of `types` that may open a private-ingress zone."""
    doors = list(stack.of_type(*types))
    if not doors:  # the zones' tags matter only to a front door: without one, nothing is read
        return
    private, unreadable = zones_requiring(stack, PRIVATE_INGRESS)
    if unreadable:   # a zone or class that cannot be read may require private ingress
        raise Unverifiable(f"tags of {len(unreadable)} resource(s), e.g. {unreadable[0][1]}")
    if not private:
        return
    for door in doors:
        zone = _zone(door)
        if zone is None:
            yield door, ""
        elif zone in private:
            yield door, zone


def _where(door: ResourceView, zone: str) -> str:
    if not zone:
        return (f"'{door.name}' ({door.type}) names no zone (`zone` tag, or the resource it fronts) in a stack "
                "whose zones require private ingress, so it may open one of them")
    return f"'{door.name}' ({door.type}) is in zone '{zone}', which requires private ingress, and"


def _unverifiable(door: ResourceView, path: str) -> Finding:
    return door.urn, (f"'{door.name}' ({door.type}): `{path}` is unknown until deployment, so whether it is a "
                      "public front door cannot be verified at preview. Give it a literal value.")


# ---- API Gateway --------------------------------------------------------------------------------

# Requests a private API must refuse: through a VPC endpoint (every request to a PRIVATE API arrives through
# one) that the policy does not name, from a VPC it does not name, by anyone, the zone's own roles included.
_UNNAMED_ENDPOINT = {"aws:SourceVpce": "vpce-0regzone0unnamed0", "aws:SourceVpc": "vpc-0regzone0unnamed0"}
_OUTSIDER = "999999999999"


def _invoke_resources(account: str) -> tuple[str, ...]:
    # API Gateway expands `execute-api:/stage/METHOD/path` in a resource policy to the API's ARN.
    return (f"arn:aws:execute-api:*:{account}:api0000000/prod/GET/data", "execute-api:/prod/GET/data")


def admits_unnamed_endpoint(document: Policy, account: str | None) -> bool:
    """Whether the policy lets anyone (anonymous, another account, the zone's own roles) invoke the API
    through a VPC endpoint (and VPC) it does not name; each caller's request carries its account."""
    callers = [(ANONYMOUS, {}), *[(Principal("AWS", f"arn:aws:iam::{a}:role/caller"), {"aws:PrincipalAccount": a})
                                  for a in (_OUTSIDER, account) if a]]
    return any(evaluate(document, Request(caller, "execute-api:Invoke", resource, {**_UNNAMED_ENDPOINT, **context}))
               is Decision.ALLOW for caller, context in callers for resource in _invoke_resources(account or _OUTSIDER))


def _body_policy(api: ResourceView) -> object:
    """The `x-amazon-apigateway-policy` of the API's OpenAPI body (used when no `policy` input is set)."""
    body = api.known("body", None)
    if not isinstance(body, str):
        return None
    try:
        return json.loads(body).get("x-amazon-apigateway-policy")
    except (ValueError, AttributeError):
        raise PolicyProblem(f"'{api.name}' body is not JSON OpenAPI, so its resource policy cannot be read; "
                            "set the policy with the `policy` input or an aws.apigateway.RestApiPolicy") from None


def _api_policy(api: ResourceView, stack: StackView) -> tuple[ResourceView, Policy] | None:
    """The policy in force for a REST API: a RestApiPolicy for it replaces the `policy` input, which
    overrides the OpenAPI body's (pulumi-aws RestApi `policy` docs)."""
    for separate in stack.of_type(REST_API_POLICY):
        if any(d.urn == api.urn for d in separate.property_dependencies.get("restApiId", [])):
            document = parsed_policy(separate)
            return (separate, document) if document is not None else None
    document = parsed_policy(api)
    if document is None:
        body = _body_policy(api)
        if body is not None:
            try:
                document = parse_policy(body)
            except PolicyError as error:
                raise PolicyProblem(f"'{api.name}' body's x-amazon-apigateway-policy cannot be evaluated: {error}") \
                    from None
    return (api, document) if document is not None else None


def _endpoint_types(door: ResourceView, path: str) -> list:
    types = door.known(path, None)
    if types is None:
        return ["EDGE"]   # RestApi and DomainName default to an edge-optimized (public) endpoint
    if not isinstance(types, list) or any(is_unknown(t) for t in types):
        raise Unverifiable(path)
    return types


def _rest_api_findings(api: ResourceView, zone: str, stack: StackView) -> Iterator[Finding]:
    types = _endpoint_types(api, "endpointConfiguration.types")
    if types != ["PRIVATE"]:
        yield api.urn, (f"{_where(api, zone)} its endpoint type is {'/'.join(map(str, types))}, reachable from the "
                        "internet: set endpointConfiguration.types to [PRIVATE].")
        return
    try:
        found = _api_policy(api, stack)
    except PolicyProblem as problem:
        yield api.urn, f"{problem}."
        return
    if found is None:
        yield api.urn, (f"{_where(api, zone)} it has no resource policy: give it one that allows execute-api:Invoke "
                        "only through the zone's VPC endpoint (aws:SourceVpce).")
    elif admits_unnamed_endpoint(found[1], zone_account(stack.settings)):
        yield found[0].urn, (f"{_where(api, zone)} its resource policy ('{found[0].name}') lets callers invoke it "
                             "through VPC endpoints it does not name, any account's included: allow execute-api:Invoke "
                             "only with aws:SourceVpce (or aws:SourceVpc) of the zone, or deny every other.")


def _api_gateway_findings(door: ResourceView, zone: str, stack: StackView) -> Iterator[Finding]:
    if door.type == REST_API:
        yield from _rest_api_findings(door, zone, stack)
    elif door.type == REST_API_POLICY:
        fronted = door.property_dependencies.get("restApiId", [])
        if not any(d.type == REST_API for d in fronted):   # the API is outside the stack: judge the policy alone
            document = parsed_policy(door)
            if document is None or admits_unnamed_endpoint(document, zone_account(stack.settings)):
                yield door.urn, (f"{_where(door, zone)} its policy lets callers invoke the API through VPC endpoints "
                                 "it does not name: allow execute-api:Invoke only with the zone's aws:SourceVpce.")
    elif door.type == REST_DOMAIN_NAME:
        types = _endpoint_types(door, "endpointConfiguration.types")
        if types != ["PRIVATE"]:
            yield door.urn, (f"{_where(door, zone)} its custom domain name is {'/'.join(map(str, types))}, public: "
                             "use a PRIVATE custom domain name (endpointConfiguration.types [PRIVATE]).")
    else:
        # HTTP and WebSocket APIs have no private endpoint type: their execute-api endpoint and custom domain
        # names (REGIONAL only) are public; disableExecuteApiEndpoint only moves callers to a public custom
        # domain, and a VPC link privatises the integration behind the API, not the API (API Gateway Developer
        # Guide, "Choose between REST APIs and HTTP APIs": private API endpoints are REST-only).
        kind = "custom domain name" if door.type == HTTP_DOMAIN_NAME else \
            f"{door.get('protocolType', 'HTTP')} API"
        yield door.urn, (f"{_where(door, zone)} an API Gateway v2 {kind} is always reachable from the internet: "
                         "serve it as a PRIVATE REST API (aws.apigateway.RestApi) or behind an internal load balancer.")


API_GATEWAY_DOORS = (REST_API, REST_API_POLICY, REST_DOMAIN_NAME, HTTP_API, HTTP_DOMAIN_NAME)


@stack_policy(
    "api-gateway-private-in-zone",
    description="In zones that require private ingress, API Gateway REST APIs and custom domains are PRIVATE and "
                "invocable only through the zone's VPC endpoint; HTTP and WebSocket APIs are refused.",
    controls=["RAZ-ING-001"], types=API_GATEWAY_DOORS)
def api_gateway_private_in_zone(stack: StackView) -> Iterator[Finding]:
    for door, zone in _in_private_zones(stack, API_GATEWAY_DOORS):
        try:
            yield from _api_gateway_findings(door, zone, stack)
        except Unverifiable as missing:
            yield _unverifiable(door, missing.path)
        except PolicyProblem as problem:
            yield door.urn, f"{problem}."


# ---- Lambda -------------------------------------------------------------------------------------

@stack_policy(
    "lambda-function-url-private",
    description="No Lambda function URL without IAM authorization, and none in zones that require private ingress.",
    controls=["RAZ-ING-002"], types=[LAMBDA_FUNCTION_URL])
def lambda_function_url_private(stack: StackView) -> Iterator[Finding]:
    # A function URL is a public HTTPS endpoint (lambda-url.<region>.on.aws) whatever its auth type
    # (Lambda Developer Guide, "Lambda function URLs"); with NONE anyone on the internet can invoke it.
    private = {url.urn: zone for url, zone in _in_private_zones(stack, [LAMBDA_FUNCTION_URL])}
    for url in stack.of_type(LAMBDA_FUNCTION_URL):
        try:
            auth = url.known("authorizationType")
        except Unverifiable as missing:
            yield _unverifiable(url, missing.path)
            continue
        if auth == "NONE":
            yield url.urn, (f"'{url.name}' ({url.type}) has authorizationType NONE: anyone on the internet can invoke "
                            "the function. Set AWS_IAM.")
        if url.urn in private:
            yield url.urn, (f"{_where(url, private[url.urn])} a function URL is a public endpoint: invoke the function "
                            "through a private API or from inside the VPC instead.")


def _service_bound(permission: ResourceView, principal: str) -> Iterator[str]:
    """A service principal invokes for every account's resources unless SourceAccount or SourceArn names the
    zone's (Lambda Developer Guide, "Granting function access to AWS services": use them against the
    confused deputy)."""
    source_account, source_arn = permission.known("sourceAccount", None), permission.known("sourceArn", None)
    if not source_account and not source_arn:
        yield (f"'{permission.name}' ({permission.type}) lets {principal} invoke the function for any account's "
               "resources: set sourceAccount (the zone's) or sourceArn.")
    elif source_account:
        yield from account_problems(permission, "sourceAccount", source_account, "lets the service act for")


@resource_policy(
    "lambda-permission-zone-principals",
    description="Lambda function and layer permissions grant only principals of the zone's account (services bound "
                "to it by sourceAccount or sourceArn), never '*', and no public function URL invocation.",
    controls=["RAZ-ING-002"], types=[LAMBDA_PERMISSION, LAMBDA_LAYER_PERMISSION])
def lambda_permission_zone_principals(permission: ResourceView) -> Iterator[str]:
    label = f"'{permission.name}' ({permission.type})"
    principal = permission.known("principal")
    if permission.type == LAMBDA_PERMISSION and permission.known("functionUrlAuthType", None) == "NONE":
        yield f"{label} lets anyone invoke the function's URL without authentication (functionUrlAuthType NONE)."
    if principal == "*":
        yield (f"{label} grants principal '*' (every account"
               + (f" of organization {permission.get('principalOrgId') or permission.get('organizationId')}"
                  if permission.get("principalOrgId") or permission.get("organizationId") else "")
               + "): name a principal of the zone's account.")
    elif isinstance(principal, str) and principal.endswith((".amazonaws.com", ".amazonaws.com.cn")) \
            and permission.type == LAMBDA_PERMISSION:
        yield from (p + "." for p in _service_bound(permission, principal))
    else:
        yield from (p + "." for p in account_problems(permission, "principal", principal, "grants invocation to"))


# ---- edge and global front doors ----------------------------------------------------------------

def _edge_findings(door: ResourceView, zone: str) -> Iterator[str]:
    if door.type in CLOUDFRONT_DISTRIBUTIONS:
        yield f"{_where(door, zone)} a CloudFront distribution serves it to the internet from every edge location."
    elif door.type in GLOBAL_ACCELERATORS:
        yield f"{_where(door, zone)} a Global Accelerator gives it static public anycast addresses."
    elif door.type == APPSYNC_API:
        # GraphQLApi visibility defaults to GLOBAL (public); PRIVATE APIs are reached through a VPC endpoint.
        visibility = door.known("visibility", None) or "GLOBAL"
        if visibility != "PRIVATE":
            yield f"{_where(door, zone)} its AppSync API visibility is {visibility}: set visibility PRIVATE."
    elif door.type == TRANSFER_SERVER:
        # Transfer Family servers default to a PUBLIC endpoint; a VPC endpoint with Elastic IPs is internet-facing.
        endpoint = door.known("endpointType", None) or "PUBLIC"
        addresses = door.known("endpointDetails.addressAllocationIds", None)
        if endpoint == "PUBLIC":
            yield f"{_where(door, zone)} its Transfer Family endpoint is PUBLIC: set endpointType VPC without Elastic IPs."
        elif addresses:
            yield (f"{_where(door, zone)} its Transfer Family VPC endpoint has Elastic IPs (addressAllocationIds), "
                   "which make it internet-facing: remove them.")


EDGE_DOORS = (*CLOUDFRONT_DISTRIBUTIONS, *GLOBAL_ACCELERATORS, APPSYNC_API, TRANSFER_SERVER)


@stack_policy(
    "edge-front-door-private-in-zone",
    description="In zones that require private ingress: no CloudFront distribution or Global Accelerator, AppSync "
                "APIs are PRIVATE, Transfer Family servers have no public endpoint.",
    controls=["RAZ-ING-003"], types=EDGE_DOORS)
def edge_front_door_private_in_zone(stack: StackView) -> Iterator[Finding]:
    for door, zone in _in_private_zones(stack, EDGE_DOORS):
        try:
            yield from ((door.urn, finding) for finding in _edge_findings(door, zone))
        except Unverifiable as missing:
            yield _unverifiable(door, missing.path)
