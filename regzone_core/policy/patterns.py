"""IAM wildcard patterns: `*` matches any run of characters (also none), `?` exactly one.

Besides matching one value, the symbolic questions (does a Deny cover *every* action of a
service, can *some* unlisted account satisfy a condition) need two set relations between
patterns, decided exactly on the patterns' automata:

- `includes(general, specific)`: every value `specific` matches, `general` matches too;
- `intersects(a, b)`: some value matches both.

Sources (AWS IAM User Guide): "IAM JSON policy elements: Action" and "Resource" (wildcards,
case-insensitive actions), "Condition operators" (StringLike, ArnLike: each of the six
colon-delimited ARN components is matched separately).
"""
from __future__ import annotations

import re
from functools import lru_cache

WILDCARDS = frozenset("*?")
# Literal `*`/`?` produced by the policy-variable escapes `${*}` and `${?}`: private-use
# characters that the matcher turns back into the literal character.
LITERAL_STAR, LITERAL_QUESTION = "\ue000", "\ue001"
_LITERALS = {LITERAL_STAR: "*", LITERAL_QUESTION: "?"}
_ARN_PARTS = 6


def has_wildcard(pattern: str) -> bool:
    return any(c in WILDCARDS for c in pattern)


@lru_cache(maxsize=4096)
def _regex(pattern: str, ignore_case: bool) -> re.Pattern:
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(_LITERALS.get(char, char)))
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def matches(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """`value` (a concrete string) matches the wildcard `pattern`."""
    return _regex(pattern, ignore_case).fullmatch(value) is not None


def _closure(pattern: str, states: set[int]) -> frozenset[int]:
    stack = list(states)
    while stack:
        i = stack.pop()
        if i < len(pattern) and pattern[i] == "*" and i + 1 not in states:
            states.add(i + 1)
            stack.append(i + 1)
    return frozenset(states)


def _step(pattern: str, states: frozenset[int], symbol: str | None) -> frozenset[int]:
    """States after reading `symbol` (None stands for any character neither pattern names)."""
    following: set[int] = set()
    for i in states:
        if i < len(pattern):
            char = pattern[i]
            if char == "*":
                following.add(i)
            elif char == "?" or (symbol is not None and _LITERALS.get(char, char) == symbol):
                following.add(i + 1)
    return _closure(pattern, following)


def _pairs(a: str, b: str, ignore_case: bool, *, need_a: bool):
    """Reachable pairs of state sets of the two patterns' automata (over the characters either
    names plus one standing for all others), exploring only while `b` (and `a`, if
    `need_a`) can still match."""
    if ignore_case:
        a, b = a.lower(), b.lower()
    alphabet = {_LITERALS.get(c, c) for c in a + b if c not in WILDCARDS} | {None}
    start = (_closure(a, {0}), _closure(b, {0}))
    seen, queue = {start}, [start]
    while queue:
        pair = queue.pop()
        yield pair[0], len(a) in pair[0], len(b) in pair[1]
        for symbol in alphabet:
            nxt = (_step(a, pair[0], symbol), _step(b, pair[1], symbol))
            if nxt[1] and (nxt[0] or not need_a) and nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)


@lru_cache(maxsize=4096)
def includes(general: str, specific: str, *, ignore_case: bool = False) -> bool:
    """Every string `specific` matches is matched by `general` (exact, on the automata)."""
    if general == "*" or general == specific:
        return True
    return not any(s_accepts and not g_accepts
                   for _, g_accepts, s_accepts in _pairs(general, specific, ignore_case, need_a=False))


@lru_cache(maxsize=4096)
def intersects(a: str, b: str, *, ignore_case: bool = False) -> bool:
    """Some string is matched by both patterns."""
    if a == "*" or b == "*":
        return True
    return any(a_accepts and b_accepts for _, a_accepts, b_accepts in _pairs(a, b, ignore_case, need_a=True))


def arn_parts(arn: str) -> list[str] | None:
    """The six components of an ARN-shaped string (the last keeps its colons), else None."""
    parts = arn.split(":", _ARN_PARTS - 1)
    return parts if len(parts) == _ARN_PARTS else None


def arn_matches(pattern: str, arn: str) -> bool:
    """ArnLike/ArnEquals and the Resource element: component by component, case-sensitive."""
    if pattern == "*":
        return True
    p, a = arn_parts(pattern), arn_parts(arn)
    if p is None or a is None:
        return matches(pattern, arn)
    return all(matches(pp, ap) for pp, ap in zip(p, a))


def arn_includes(general: str, specific: str) -> bool:
    if general == "*":
        return True
    g, s = arn_parts(general), arn_parts(specific)
    if g is None or s is None:
        return includes(general, specific)
    return all(includes(gp, sp) for gp, sp in zip(g, s))


def arn_intersects(a: str, b: str) -> bool:
    if a == "*" or b == "*":
        return True
    pa, pb = arn_parts(a), arn_parts(b)
    if pa is None or pb is None:
        return intersects(a, b)
    return all(intersects(x, y) for x, y in zip(pa, pb))
