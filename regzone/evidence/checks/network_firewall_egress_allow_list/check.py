"""The live egress firewall drops by default and passes only a domain allow-list, and its firewall,
policy and rule groups are encrypted with a customer managed key.

- Stateless default actions (full packets and fragments) forward to the stateful engine; none
  passes traffic around it, and no stateless rule group is referenced (its rules could pass).
- The stateful engine runs in STRICT_ORDER with a drop among its default actions: default actions
  apply only in strict order (Network Firewall developer guide, "Stateful default actions").
- Every stateful rule group is a STATEFUL domain list, ALLOWLIST or DENYLIST, over TLS_SNI and
  HTTP_HOST only, with no target that opens a whole top-level domain; other rule sources (Suricata
  rules, 5-tuple rules) could pass anything and are not judged as an allow-list.
- EncryptionConfiguration is CUSTOMER_KMS on the firewall, the policy and every rule group."""
from regzone.evidence.checks import failed, passed, per_resource
from regzone.evidence.model import absent_means

_FORWARD = "aws:forward_to_sfe"
_DROPS = {"aws:drop_strict", "aws:drop_established"}
_DOMAIN_TARGET_TYPES = {"TLS_SNI", "HTTP_HOST"}


def _key_problem(what, response):
    encryption = (response or {}).get("EncryptionConfiguration") or {}
    if encryption.get("Type") != "CUSTOMER_KMS":
        return f"{what} is encrypted with an AWS owned key ({encryption.get('Type') or 'no EncryptionConfiguration'})"
    return None


def _policy_problems(policy):
    body = policy.get("FirewallPolicy") or {}
    problems = []
    for key in ("StatelessDefaultActions", "StatelessFragmentDefaultActions"):
        if body.get(key) != [_FORWARD]:
            problems.append(f"{key} {body.get(key)} (not only {_FORWARD}: traffic can bypass the allow-list)")
    # Optional in the FirewallPolicy answer: absent, the policy references no stateless rule group
    # (Network Firewall API Reference, FirewallPolicy).
    if absent_means(body, "StatelessRuleGroupReferences", [], "no stateless rule groups"):
        problems.append("stateless rule groups are referenced (their rules can pass traffic around the allow-list)")
    order = (body.get("StatefulEngineOptions") or {}).get("RuleOrder")
    if order != "STRICT_ORDER":
        problems.append(f"stateful rule order {order or 'DEFAULT_ACTION_ORDER'} (default actions apply only in "
                        "STRICT_ORDER)")
    if not _DROPS & set(body.get("StatefulDefaultActions") or []):
        problems.append(f"stateful default actions {body.get('StatefulDefaultActions') or []} drop nothing")
    return problems


def _group_problems(arn, described):
    group = described.get("RuleGroup") or {}
    response = described.get("RuleGroupResponse") or {}
    name = response.get("RuleGroupName") or arn
    if response.get("Type") != "STATEFUL":
        return [f"rule group {name} is {response.get('Type')}, not STATEFUL"]
    source = (group.get("RulesSource") or {}).get("RulesSourceList")
    if not source:
        return [f"rule group {name} is not a domain list (its rules are not judged as an allow-list)"]
    problems = []
    if source.get("GeneratedRulesType") not in ("ALLOWLIST", "DENYLIST"):
        problems.append(f"rule group {name} generates {source.get('GeneratedRulesType')} rules")
    other = sorted(set(source.get("TargetTypes") or []) - _DOMAIN_TARGET_TYPES)
    if other or not source.get("TargetTypes"):
        problems.append(f"rule group {name} targets {source.get('TargetTypes')}, not only TLS_SNI/HTTP_HOST")
    broad = sorted(t for t in source.get("Targets") or [] if t.startswith(".") and "." not in t[1:])
    if broad and source.get("GeneratedRulesType") == "ALLOWLIST":
        problems.append(f"rule group {name} allows whole top-level domains: {', '.join(broad)}")
    return problems


def judge(firewall, ctx):
    policy = firewall.get("policy")
    groups = firewall.get("rule_groups")
    problems = _policy_problems(policy)
    targets = []
    for arn, described in groups.items():
        if not isinstance(described, dict):
            raise described
        problems += _group_problems(arn, described)
        problems += filter(None, [_key_problem(f"rule group {arn}", described.get("RuleGroupResponse"))])
        source = ((described.get("RuleGroup") or {}).get("RulesSource") or {}).get("RulesSourceList") or {}
        targets += source.get("Targets") or []
    if not groups:
        problems.append("the policy references no stateful rule group: nothing is allowed, or the policy is not the "
                        "zone's")
    problems += filter(None, [_key_problem("the firewall", firewall.get("firewall")),
                              _key_problem("the firewall policy", policy.get("FirewallPolicyResponse"))])
    if problems:
        return failed("; ".join(problems))
    body = policy["FirewallPolicy"]
    return passed(f"STRICT_ORDER, default {', '.join(body['StatefulDefaultActions'])}; allow-list of {len(targets)} "
                  f"names ({', '.join(sorted(targets)[:5])}{', ...' if len(targets) > 5 else ''}); "
                  "firewall, policy and rule groups encrypted with a customer managed key")


def execute(ctx):
    return per_resource(ctx, "network_firewall", "firewall", judge)
