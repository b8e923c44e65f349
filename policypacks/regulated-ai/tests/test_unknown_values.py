"""A preview-time unknown refuses every use, at any depth (regulated_ai/values.py), and the framework
reports it: mandatory "cannot be verified at preview" naming its path, advisory only where a control
declares why (docs/policy-pack.md, "Failing closed")."""
import copy
import json
import re

import pytest
from pulumi_policy.proxy import UnknownValueError

from regulated_ai.framework import ResourceView, _report_failure
from regulated_ai.values import (UNKNOWN, Unverifiable, as_bool, is_unknown, lookup, plain, reference,
                                 unknown_path, values_at)

SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
PROPS = plain({"protocol": SENTINEL, "containers": [{"name": "a"}, SENTINEL, {"securityContext": SENTINEL}],
               "rules": SENTINEL, "tags": {"zone": "z", "owner": SENTINEL}}, "", "urn:r")

USES = {
    "truth": lambda u: bool(u), "default source": lambda u: u or [], "iteration": lambda u: list(u),
    "len": lambda u: len(u), "indexing": lambda u: u[0], "key": lambda u: u["a"], "in": lambda u: "x" in u,
    "in a list": lambda u: u in ["x"], "in a set": lambda u: u in {"x"}, "equality": lambda u: u == "TCP",
    "text equality": lambda u: "TCP" == u, "inequality": lambda u: u != "TCP", "ordering": lambda u: u < 3,
    "hashing": lambda u: hash(u), "str": lambda u: str(u), "f-string": lambda u: f"{u}",
    "int": lambda u: int(u), "arithmetic": lambda u: u + 1, "method": lambda u: u.startswith("x"),
    "dict method": lambda u: u.get("a"), "isinstance": lambda u: isinstance(u, str),
    "isinstance of many": lambda u: isinstance(u, (dict, list)), "sorted": lambda u: sorted([u, "a"]),
    "json": lambda u: json.dumps({"a": u}), "copy": lambda u: copy.copy(u),
}


@pytest.mark.parametrize("use", USES.values(), ids=USES.keys())
def test_every_use_of_an_unknown_raises_naming_its_path(use):
    with pytest.raises(Unverifiable) as raised:
        use(PROPS["protocol"])
    assert raised.value.path == "protocol" and raised.value.urn == "urn:r"


def test_regex_on_an_unknown_raises_a_type_error_that_still_blocks():
    # re checks the type in C without asking __class__: the framework reports it as a policy error.
    with pytest.raises(TypeError):
        re.match("x", PROPS["protocol"])


def test_unknowns_deep_inside_carry_where_they_sit():
    containers = PROPS["containers"]
    assert [is_unknown(c) for c in containers] == [False, True, False]
    with pytest.raises(Unverifiable, match="containers.1"):
        [c.get("image") for c in containers]
    with pytest.raises(Unverifiable, match="containers.2.securityContext"):
        containers[2]["securityContext"].get("privileged")
    with pytest.raises(Unverifiable, match="tags.owner"):
        PROPS["tags"] == {"zone": "z", "owner": "o"}
    assert unknown_path(lookup(PROPS, "rules.0.ports")) == "rules"
    assert values_at(PROPS, "containers.securityContext.privileged")[-1][0] == "containers.2.securityContext"


def test_view_accessors():
    view = ResourceView(type="t", name="n", urn="urn:r", props=PROPS)
    with pytest.raises(Unverifiable, match="protocol"):
        view.known("protocol")
    with pytest.raises(Unverifiable, match="protocol"):
        view.flag("protocol")
    assert view.reference("protocol") is UNKNOWN and not view.reference("protocol")
    assert view.reference("tags") == {"zone": "z", "owner": UNKNOWN}
    assert reference(PROPS["containers"])[1] is UNKNOWN
    with pytest.raises(Unverifiable):
        as_bool(PROPS["rules"], "rules")


def _report(advisory: str, stack: bool):
    reported = []
    try:
        PROPS["rules"] == []
    except Unverifiable as err:
        _report_failure(err, "[C] ", lambda message, urn: reported.append((message, urn)), advisory,
                        "" if stack else None)
    return reported


def test_an_unknown_blocks_by_default_naming_path_and_resource():
    assert _report("", stack=False) == [(
        "[C] cannot be verified at preview: `rules` is unknown until deployment. Give it a literal value so that "
        "the control is checked before anything is deployed.", None)]
    assert _report("", stack=True)[0][1] == "urn:r"


def test_a_control_declared_advisory_warns_through_the_sdk_with_its_reason():
    with pytest.raises(UnknownValueError, match=r"cannot be verified at preview: `rules`.*Advisory for this "
                                                r"control: only a hint"):
        _report("only a hint", stack=True)


def test_an_unknown_wrapped_by_a_policy_is_still_reported_as_unknown():
    reported = []
    try:
        try:
            PROPS["rules"] == []
        except Unverifiable:
            raise ValueError("wrapped")
    except ValueError as err:
        _report_failure(err, "", lambda message, urn: reported.append(message), "", None)
    assert "cannot be verified at preview: `rules`" in reported[0]
