"""Public front doors (RAZ-ING-001..003) over the real pack: in a zone whose data classes require
private ingress, public API Gateway, function URL, CloudFront, Global Accelerator, AppSync and Transfer
endpoints fire; the same resources in a zone without the requirement, or private ones, pass."""
import json

import pytest

from analyzer_helpers import configured_pack, resource, stack_violations, violations

ACCOUNT, FOREIGN = "111122223333", "999988887777"
SETTINGS = {
    "allowed_regions": ["eu-west-1", "us-east-1"],
    "deployer_role_arn": f"arn:aws:iam::{ACCOUNT}:role/deployer",
    "zones": {"hipaa-ai": {"regions": ["us-east-1"], "data_classes": ["ephi"]},
              "open-ai": {"regions": ["eu-west-1"], "data_classes": ["public"]}},
    "data_class_policy": {"ephi": {"allowed_zones": ["hipaa-ai"], "require_private_ingress": True},
                          "public": {"allowed_zones": ["open-ai"]}},
}
CLASS = {"hipaa-ai": "ephi", "open-ai": "public"}
REST_API, REST_API_POLICY = "aws:apigateway/restApi:RestApi", "aws:apigateway/restApiPolicy:RestApiPolicy"
API_POLICY, URL_POLICY, EDGE_POLICY = ("api-gateway-private-in-zone", "lambda-function-url-private",
                                       "edge-front-door-private-in-zone")


@pytest.fixture(scope="module")
def gate():
    with configured_pack(**SETTINGS) as client:
        yield client


def door(type_token, props, zone="hipaa-ai", *, name="door", **kwargs):
    tags = {"zone": zone, "data-class": CLASS[zone]} if zone else {}
    return resource(type_token, props, name=name, provider_props={
        "region": SETTINGS["zones"].get(zone, {"regions": ["us-east-1"]})["regions"][0],
        "defaultTags": json.dumps({"tags": tags})}, **kwargs)


def urn(type_token, name):
    return f"urn:pulumi:test::regzone::{type_token}::{name}"


def invoke_policy(condition=None):
    statement = {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


ZONE_VPCE = {"StringEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}}


def private_api(policy=None):
    props = {"name": "api", "endpointConfiguration": {"types": ["PRIVATE"]}}
    return door(REST_API, {**props, **({"policy": policy} if policy else {})})


def test_private_api_limited_to_the_zone_endpoint_passes(gate):
    assert stack_violations(gate, API_POLICY, [private_api(invoke_policy(ZONE_VPCE))]) == []


def test_edge_api_fires_in_a_private_ingress_zone_only(gate):
    found = stack_violations(gate, API_POLICY, [door(REST_API, {"name": "api"})])
    assert len(found) == 1 and "endpoint type is EDGE" in found[0].message
    assert stack_violations(gate, API_POLICY, [door(REST_API, {"name": "api"}, "open-ai")]) == []


@pytest.mark.parametrize("policy", [
    invoke_policy(),                                                           # anyone, any endpoint
    invoke_policy({"StringLike": {"aws:SourceVpce": "vpce-*"}}),               # every endpoint of every account
    invoke_policy({"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}),        # the account, from any endpoint
])
def test_private_api_open_to_other_endpoints_fires(gate, policy):
    found = stack_violations(gate, API_POLICY, [private_api(policy)])
    assert len(found) == 1 and "VPC endpoints it does not name" in found[0].message


def test_private_api_without_policy_fires(gate):
    found = stack_violations(gate, API_POLICY, [private_api()])
    assert len(found) == 1 and "no resource policy" in found[0].message


def test_separate_rest_api_policy_replaces_the_inline_one(gate):
    api = private_api(invoke_policy())
    separate = door(REST_API_POLICY, {"restApiId": "id", "policy": invoke_policy(ZONE_VPCE)}, None, name="pol",
                    property_dependencies={"restApiId": [urn(REST_API, "door")]})
    assert stack_violations(gate, API_POLICY, [api, separate]) == []
    separate = door(REST_API_POLICY, {"restApiId": "id", "policy": invoke_policy()}, None, name="pol",
                    property_dependencies={"restApiId": [urn(REST_API, "door")]})
    found = stack_violations(gate, API_POLICY, [private_api(invoke_policy(ZONE_VPCE)), separate])
    assert len(found) == 1 and found[0].urn == urn(REST_API_POLICY, "pol")


def test_openapi_body_policy_counts(gate):
    body = json.dumps({"openapi": "3.0.1", "x-amazon-apigateway-policy": json.loads(invoke_policy())})
    api = door(REST_API, {"name": "api", "endpointConfiguration": {"types": ["PRIVATE"]}, "body": body})
    assert len(stack_violations(gate, API_POLICY, [api])) == 1


@pytest.mark.parametrize("type_token, props", [
    ("aws:apigatewayv2/api:Api", {"name": "h", "protocolType": "HTTP", "disableExecuteApiEndpoint": True}),
    ("aws:apigatewayv2/api:Api", {"name": "w", "protocolType": "WEBSOCKET"}),
    ("aws:apigatewayv2/domainName:DomainName", {"domainName": "api.example.com"}),
    ("aws:apigateway/domainName:DomainName", {"domainName": "api.example.com",
                                              "endpointConfiguration": {"types": ["REGIONAL"]}}),
])
def test_public_api_gateway_siblings_fire_in_a_private_ingress_zone(gate, type_token, props):
    assert len(stack_violations(gate, API_POLICY, [door(type_token, props)])) == 1
    assert stack_violations(gate, API_POLICY, [door(type_token, props, "open-ai")]) == []


def test_untagged_front_door_in_a_stack_with_a_private_zone_fires(gate):
    found = stack_violations(gate, API_POLICY, [door("aws:apigatewayv2/api:Api", {"protocolType": "HTTP"}, None)])
    assert len(found) == 1 and "names no zone" in found[0].message


# ---- Lambda -------------------------------------------------------------------------------------

FUNCTION = "aws:lambda/function:Function"


def url(auth, zone):
    return door("aws:lambda/functionUrl:FunctionUrl", {"functionName": "f", "authorizationType": auth}, None,
                name="url", property_dependencies={"functionName": [urn(FUNCTION, f"fn-{zone}")]})


def function(zone):
    return door(FUNCTION, {"role": "r"}, zone, name=f"fn-{zone}")


def test_iam_function_url_outside_private_zones_passes(gate):
    assert stack_violations(gate, URL_POLICY, [function("open-ai"), url("AWS_IAM", "open-ai")]) == []


def test_unauthenticated_function_url_fires_anywhere(gate):
    found = stack_violations(gate, URL_POLICY, [function("open-ai"), url("NONE", "open-ai")])
    assert len(found) == 1 and "authorizationType NONE" in found[0].message


def test_any_function_url_fires_in_a_private_ingress_zone(gate):
    """The URL carries no zone tag: its zone is its function's."""
    found = stack_violations(gate, URL_POLICY, [function("hipaa-ai"), url("AWS_IAM", "hipaa-ai")])
    assert len(found) == 1 and "zone 'hipaa-ai'" in found[0].message


PERMISSION = "lambda-permission-zone-principals"


def permission(**props):
    return door("aws:lambda/permission:Permission", {"action": "lambda:InvokeFunction", "function": "f", **props},
                "open-ai")


@pytest.mark.parametrize("props", [
    {"principal": f"arn:aws:iam::{ACCOUNT}:role/caller"},
    {"principal": "s3.amazonaws.com", "sourceAccount": ACCOUNT, "sourceArn": "arn:aws:s3:::zone-bucket"},
    {"principal": "events.amazonaws.com", "sourceArn": f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/r"},
])
def test_permission_for_the_zone_passes(gate, props):
    assert violations(gate, PERMISSION, permission(**props)) == []


@pytest.mark.parametrize("props, fragment", [
    ({"principal": "*"}, "principal '*'"),
    ({"principal": "*", "principalOrgId": "o-abc"}, "organization o-abc"),
    ({"principal": FOREIGN}, f"account {FOREIGN}"),
    ({"principal": "s3.amazonaws.com"}, "any account's resources"),
    ({"principal": "s3.amazonaws.com", "sourceAccount": FOREIGN}, f"account {FOREIGN}"),
    ({"principal": f"arn:aws:iam::{ACCOUNT}:role/caller", "functionUrlAuthType": "NONE"}, "without authentication"),
])
def test_permission_beyond_the_zone_fires(gate, props, fragment):
    found = violations(gate, PERMISSION, permission(**props))
    assert len(found) == 1 and fragment in found[0].message


def test_public_layer_permission_fires(gate):
    layer = door("aws:lambda/layerVersionPermission:LayerVersionPermission",
                 {"layerName": "l", "versionNumber": 1, "action": "lambda:GetLayerVersion", "principal": "*"}, "open-ai")
    assert len(violations(gate, PERMISSION, layer)) == 1


# ---- edge and global ----------------------------------------------------------------------------

@pytest.mark.parametrize("type_token, public, private", [
    ("aws:cloudfront/distribution:Distribution", {"enabled": True}, None),
    ("aws:globalaccelerator/accelerator:Accelerator", {"name": "a"}, None),
    ("aws:globalaccelerator/customRoutingAccelerator:CustomRoutingAccelerator", {"name": "a"}, None),
    ("aws:appsync/graphQLApi:GraphQLApi", {"name": "g", "authenticationType": "API_KEY"},
     {"name": "g", "authenticationType": "AWS_IAM", "visibility": "PRIVATE"}),
    ("aws:transfer/server:Server", {}, {"endpointType": "VPC", "endpointDetails": {"vpcId": "v"}}),
    ("aws:transfer/server:Server", {"endpointType": "VPC", "endpointDetails": {"addressAllocationIds": ["eipalloc-1"]}},
     None),
])
def test_edge_front_doors(gate, type_token, public, private):
    assert len(stack_violations(gate, EDGE_POLICY, [door(type_token, public)])) == 1
    assert stack_violations(gate, EDGE_POLICY, [door(type_token, public, "open-ai")]) == []
    if private is not None:
        assert stack_violations(gate, EDGE_POLICY, [door(type_token, private)]) == []


def test_unreadable_placement_elsewhere_blocks_rather_than_passes(gate):
    """A resource whose data class is unknown at preview may put a private-ingress class in the zone."""
    unknown_class = resource("aws:s3/bucket:Bucket", {"bucket": "b"}, name="b", provider_props={
        "region": "eu-west-1", "defaultTags": json.dumps({"tags": {"zone": "open-ai"}})})
    unknown_class.properties.update({"tags": {"data-class": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}})
    found = stack_violations(gate, EDGE_POLICY, [unknown_class,
                                                 door("aws:cloudfront/distribution:Distribution", {}, "open-ai")])
    assert len(found) == 1 and "cannot be verified at preview" in found[0].message
