"""Wildcard set relations agree with brute force over every short string."""
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from regzone_core.policy.patterns import arn_matches, includes, intersects, matches

patterns = st.text(alphabet="ab*?", max_size=4)
STRINGS = ["".join(p) for n in range(7) for p in itertools.product("abc", repeat=n)]


@settings(max_examples=300, deadline=None)
@given(patterns, patterns)
def test_includes_and_intersects_match_brute_force(a, b):
    only_b = [s for s in STRINGS if matches(b, s) and not matches(a, s)]
    both = [s for s in STRINGS if matches(a, s) and matches(b, s)]
    assert includes(a, b) is (not only_b)
    assert intersects(a, b) is bool(both)


def test_case_insensitive_inclusion_is_for_actions_only():
    assert includes("S3:*", "s3:GetObject", ignore_case=True)
    assert not includes("S3:*", "s3:GetObject")


def test_arn_wildcards_stay_in_their_component():
    assert arn_matches("arn:aws:s3:::b/*", "arn:aws:s3:::b/a:b/c")
    assert not arn_matches("arn:aws:iam::*:role/x", "arn:aws:iam::1:2:role/x")
    assert arn_matches("*", "anything")
