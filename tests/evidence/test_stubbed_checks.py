"""The checks whose APIs moto does not implement (tests/evidence/zone.py STUBBED_CHECKS), through the
whole scan: EC2 and S3 from moto, Route 53 Resolver and Network Firewall from botocore Stubber
clients, whose responses are validated against the service models. A compliant answer passes, each
broken property fails, and an API that refuses is an ERROR naming the permission, never a PASS."""
from __future__ import annotations

import contextlib
import copy
import io

import pytest
from botocore.stub import Stubber

from regzone.evidence.aws import Aws
from regzone.evidence.model import Status
from regzone.evidence.runner import Progress, ScanOptions, scan
from tests.evidence.zone import REGION, RETENTION_DAYS, STUBBED_CHECKS, seed_zone

ACCOUNT = "123456789012"
GROUP, ALLOWED, EVERY = "rslvr-frg-zone", "rslvr-fdl-allowed", "rslvr-fdl-every"


@contextlib.contextmanager
def stubbed(monkeypatch, session, answers):
    """The scan's clients of each service in `answers` answer its calls [(operation, response or
    AccessDeniedError, expected params or None)] in order, and nothing else."""
    clients, stubbers = {}, []
    for service, calls in answers.items():
        clients[service] = session.client(service, region_name=REGION)
        stubber = Stubber(clients[service])
        for operation, response, params in calls:
            if isinstance(response, Exception):
                stubber.add_client_error(operation, service_error_code=str(response), http_status_code=403,
                                         expected_params=params)
            else:
                stubber.add_response(operation, response, params)
        stubbers.append(stubber)
    original = Aws.client
    monkeypatch.setattr(Aws, "client", lambda self, name, region: clients.get(name) or original(self, name, region))
    with contextlib.ExitStack() as stack:
        for stubber in stubbers:
            stack.enter_context(stubber)
        yield
    for stubber in stubbers:
        stubber.assert_no_pending_responses()


def findings(session, check):
    # One worker: the per-resource calls are made in a fixed order, as the stubs expect them.
    options = ScanOptions(regions=(REGION,), zone="good", min_retention_days=RETENTION_DAYS, checks=(check,),
                          max_workers=1, max_attempts=1)
    return scan(options, session, Progress(io.StringIO())).findings


# --- DNS Firewall (vpc_dns_firewall_enforced) --------------------------------------------------------

def dns_rule(name, priority, action, list_id, **extra):
    rule = {"FirewallRuleGroupId": GROUP, "FirewallDomainListId": list_id, "Name": name, "Priority": priority,
            "Action": action}
    if action == "BLOCK":
        rule["BlockResponse"] = "NXDOMAIN"
    return {**rule, **extra}


COMPLIANT_DNS = {
    "configs": [{"Id": "rslvr-fc-1", "ResourceId": None, "OwnerId": ACCOUNT, "FirewallFailOpen": "DISABLED"}],
    "associations": [{"Id": "rslvr-frgassoc-1", "FirewallRuleGroupId": GROUP, "VpcId": None, "Name": "good-dns",
                      "Priority": 101, "MutationProtection": "ENABLED", "Status": "COMPLETE"}],
    "rules": [dns_rule("allow-aws-services", 100, "ALLOW", ALLOWED,
                       FirewallDomainRedirectionAction="TRUST_REDIRECTION_DOMAIN"),
              dns_rule("block-every-other-name", 10000, "BLOCK", EVERY)],
    "domains": {ALLOWED: ["kms.us-east-1.amazonaws.com", "*.dkr.ecr.us-east-1.amazonaws.com"], EVERY: ["*"]},
}


def dns_calls(vpc, state, *, refuse=None):
    """The Route 53 Resolver and Route 53 Profiles calls of the collector, in order, answering from `state`."""
    state = copy.deepcopy(state)
    for item in state["configs"] + state["associations"] + state.get("profiles", []):
        item["VpcId" if "FirewallRuleGroupId" in item else "ResourceId"] = vpc
    profiles = [("list_profile_associations", {"ProfileAssociations": state.get("profiles", [])}, None)]
    calls = [("list_firewall_configs", {"FirewallConfigs": state["configs"]}, None),
             ("list_resolver_query_log_config_associations", {"ResolverQueryLogConfigAssociations": []}, None),
             ("list_resolver_query_log_configs", {"ResolverQueryLogConfigs": []}, None),
             ("list_firewall_rule_group_associations", {"FirewallRuleGroupAssociations": state["associations"]}, None)]
    answers = {"route53resolver": calls, "route53profiles": profiles}
    if not state["associations"]:
        return answers
    rules = AccessDeniedError("AccessDeniedException") if refuse == "rules" else {"FirewallRules": state["rules"]}
    calls.append(("list_firewall_rules", rules, {"FirewallRuleGroupId": GROUP}))
    if refuse == "rules":
        return answers
    for list_id in sorted({r["FirewallDomainListId"] for r in state["rules"] if r.get("FirewallDomainListId")}):
        calls.append(("list_firewall_domains", {"Domains": state["domains"][list_id]},
                      {"FirewallDomainListId": list_id}))
    return answers


class AccessDeniedError(Exception):
    """A refused call: its text is the AWS error code."""


@pytest.fixture
def network(session):
    return seed_zone(session, services=frozenset({"vpc"}))


def dns_findings(monkeypatch, session, vpc, state, **kwargs):
    with stubbed(monkeypatch, session, dns_calls(vpc, state, **kwargs)):
        return findings(session, "vpc_dns_firewall_enforced")


def test_dns_firewall_that_blocks_every_other_name_and_fails_closed_passes(monkeypatch, session, network):
    (finding,) = dns_findings(monkeypatch, session, network["vpc"], COMPLIANT_DNS)
    assert finding.status is Status.PASS and network["vpc"] in finding.resource, finding.message
    assert f"{GROUP} (priority 101)" in finding.message and "FirewallFailOpen DISABLED" in finding.message
    assert finding.control == "RAZ-NET-008"


def _changed(**changes):
    state = copy.deepcopy(COMPLIANT_DNS)
    state.update(changes)
    return state


@pytest.mark.parametrize("state, fragment", [
    (_changed(associations=[]), "no DNS Firewall rule group association in force"),
    (_changed(associations=[{**COMPLIANT_DNS["associations"][0], "Status": "UPDATING"}]),
     "no DNS Firewall rule group association in force: good-dns (UPDATING)"),
    (_changed(rules=COMPLIANT_DNS["rules"][:1]), "no rule blocks '*' for every query type"),
    (_changed(rules=[*COMPLIANT_DNS["rules"], dns_rule("open", 500, "ALLOW", EVERY)]),
     "rule 'open' ALLOWs *"),
    (_changed(rules=[COMPLIANT_DNS["rules"][0], dns_rule("block-a", 10000, "BLOCK", EVERY, Qtype="A")]),
     "no rule blocks '*' for every query type"),
    (_changed(rules=[dns_rule("txt", 50, "ALERT", EVERY, Qtype="TXT"), *COMPLIANT_DNS["rules"]]),
     "rule 'txt' ALERTs TXT queries for *"),
    (_changed(domains={ALLOWED: ["*.com"], EVERY: ["*"]}), "rule 'allow-aws-services' ALLOWs *.com"),
    (_changed(configs=[{**COMPLIANT_DNS["configs"][0], "FirewallFailOpen": "ENABLED"}]),
     "sets FirewallFailOpen ENABLED"),
    # A Route 53 Profile brings rule groups the check cannot judge with the VPC's own.
    (_changed(profiles=[{"Id": "rpassoc-1", "ProfileId": "rp-1", "ResourceId": None, "Status": "COMPLETE"}]),
     "Route 53 Profile rp-1 is associated"),
])
def test_dns_firewall_that_lets_names_through_fails(monkeypatch, session, network, state, fragment):
    (finding,) = dns_findings(monkeypatch, session, network["vpc"], state)
    assert finding.status is Status.FAIL and fragment in finding.message, finding.message


def test_vpc_without_its_own_configuration_fails_closed_by_default(monkeypatch, session, network):
    (finding,) = dns_findings(monkeypatch, session, network["vpc"], _changed(configs=[]))
    assert finding.status is Status.PASS and "fails closed by default" in finding.message


def test_refused_rules_are_an_error_never_a_pass(monkeypatch, session, network):
    (finding,) = dns_findings(monkeypatch, session, network["vpc"], COMPLIANT_DNS, refuse="rules")
    assert finding.status is Status.ERROR, finding.message
    assert "route53resolver:ListFirewallRules" in finding.message and "AccessDeniedException" in finding.message


# --- Network Firewall (network_firewall_egress_allow_list) ------------------------------------------

FIREWALL_ARN = f"arn:aws:network-firewall:{REGION}:{ACCOUNT}:firewall/good-egress"
POLICY_ARN = f"arn:aws:network-firewall:{REGION}:{ACCOUNT}:firewall-policy/good-egress"
GROUP_ARN = f"arn:aws:network-firewall:{REGION}:{ACCOUNT}:stateful-rulegroup/good-egress-allowlist"
KEY = {"Type": "CUSTOMER_KMS", "KeyId": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/audit"}

FIREWALL = {"FirewallName": "good-egress", "FirewallArn": FIREWALL_ARN, "FirewallPolicyArn": POLICY_ARN,
            "VpcId": "vpc-1", "SubnetMappings": [{"SubnetId": "subnet-1"}], "FirewallId": "11111111-2222-3333-4444-555555555555",
            "EncryptionConfiguration": KEY, "Tags": [{"Key": "zone", "Value": "good"}]}
POLICY = {"StatelessDefaultActions": ["aws:forward_to_sfe"], "StatelessFragmentDefaultActions": ["aws:forward_to_sfe"],
          "StatefulEngineOptions": {"RuleOrder": "STRICT_ORDER"},
          "StatefulDefaultActions": ["aws:drop_established", "aws:alert_established"],
          "StatefulRuleGroupReferences": [{"ResourceArn": GROUP_ARN, "Priority": 1}]}
RULE_GROUP = {"RulesSource": {"RulesSourceList": {"Targets": [".api.example.com", "model-registry.example.com"],
                                                  "TargetTypes": ["TLS_SNI", "HTTP_HOST"],
                                                  "GeneratedRulesType": "ALLOWLIST"}},
              "StatefulRuleOptions": {"RuleOrder": "STRICT_ORDER"}}


def firewall_calls(firewall=FIREWALL, policy=POLICY, group=RULE_GROUP, group_type="STATEFUL", group_key=KEY,
                   policy_key=KEY):
    policy_response = {"FirewallPolicyName": "good-egress", "FirewallPolicyArn": POLICY_ARN, "FirewallPolicyId": "22222222-2222-3333-4444-555555555555"}
    if policy_key:
        policy_response["EncryptionConfiguration"] = policy_key
    group_response = {"RuleGroupArn": GROUP_ARN, "RuleGroupName": "good-egress-allowlist", "RuleGroupId": "33333333-2222-3333-4444-555555555555",
                      "Type": group_type}
    if group_key:
        group_response["EncryptionConfiguration"] = group_key
    calls = [("list_firewalls", {"Firewalls": [{"FirewallName": "good-egress", "FirewallArn": FIREWALL_ARN}]}, None),
             ("describe_firewall", {"Firewall": firewall, "UpdateToken": "t"}, {"FirewallArn": FIREWALL_ARN}),
             ("describe_firewall_policy", {"UpdateToken": "t", "FirewallPolicyResponse": policy_response,
                                           "FirewallPolicy": policy}, {"FirewallPolicyArn": POLICY_ARN})]
    for reference in policy.get("StatefulRuleGroupReferences") or []:
        calls.append(("describe_rule_group", {"UpdateToken": "t", "RuleGroup": group,
                                              "RuleGroupResponse": group_response},
                      {"RuleGroupArn": reference["ResourceArn"]}))
    return calls


def firewall_findings(monkeypatch, session, calls):
    with stubbed(monkeypatch, session, {"network-firewall": calls}):
        return findings(session, "network_firewall_egress_allow_list")


def test_drop_by_default_allow_list_firewall_with_customer_key_passes(monkeypatch, session):
    (finding,) = firewall_findings(monkeypatch, session, firewall_calls())
    assert finding.status is Status.PASS and finding.resource == FIREWALL_ARN, finding.message
    assert "default aws:drop_established" in finding.message and ".api.example.com" in finding.message
    assert finding.control == "RAZ-NET-005"


@pytest.mark.parametrize("changes, fragment", [
    ({"policy": {**POLICY, "StatefulDefaultActions": ["aws:alert_established"]}}, "drop nothing"),
    ({"policy": {**POLICY, "StatefulEngineOptions": {"RuleOrder": "DEFAULT_ACTION_ORDER"}}},
     "stateful rule order DEFAULT_ACTION_ORDER"),
    ({"policy": {**POLICY, "StatelessDefaultActions": ["aws:pass"]}}, "StatelessDefaultActions ['aws:pass']"),
    ({"policy": {**POLICY, "StatefulRuleGroupReferences": []}}, "references no stateful rule group"),
    ({"group": {"RulesSource": {"RulesString": "pass tls any any -> any any (msg:\"all\"; sid:1;)"}}},
     "is not a domain list"),
    ({"group": {"RulesSource": {"RulesSourceList": {**RULE_GROUP["RulesSource"]["RulesSourceList"],
                                                    "Targets": [".com"]}}}}, "allows whole top-level domains: .com"),
    ({"group_type": "STATELESS"}, "is STATELESS, not STATEFUL"),
    ({"group_key": {"Type": "AWS_OWNED_KMS_KEY"}}, "is encrypted with an AWS owned key (AWS_OWNED_KMS_KEY)"),
    ({"policy_key": None}, "the firewall policy is encrypted with an AWS owned key (no EncryptionConfiguration)"),
    ({"firewall": {k: v for k, v in FIREWALL.items() if k != "EncryptionConfiguration"}},
     "the firewall is encrypted with an AWS owned key"),
])
def test_firewall_that_passes_more_than_the_allow_list_fails(monkeypatch, session, changes, fragment):
    (finding,) = firewall_findings(monkeypatch, session, firewall_calls(**changes))
    assert finding.status is Status.FAIL and fragment in finding.message, finding.message


def test_refused_policy_is_an_error_never_a_pass(monkeypatch, session):
    calls = firewall_calls()[:2] + [("describe_firewall_policy", AccessDeniedError("AccessDeniedException"),
                                     {"FirewallPolicyArn": POLICY_ARN})]
    (finding,) = firewall_findings(monkeypatch, session, calls)
    assert finding.status is Status.ERROR and "network-firewall:DescribeFirewallPolicy" in finding.message


def test_every_stubbed_check_is_tested_here():
    assert STUBBED_CHECKS == {"vpc_dns_firewall_enforced", "network_firewall_egress_allow_list"}
