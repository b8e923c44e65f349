"""Whether a key input names a customer-managed KMS key. Unset means the service's AWS-managed or
AWS-owned key, and so does an `alias/aws/<service>` alias (AWS KMS Developer Guide, "AWS managed
keys": their aliases are `aws/<service>`), neither of which the zone's key policies govern. A value
unknown at preview is the ARN of a key the stack creates (RAZ-DEP-002 then judges that key's policy)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from regulated_ai.values import Unverifiable, is_unknown, values_at

_AWS_MANAGED_ALIAS = re.compile(r"(^|[:/])alias/aws/")


def customer_managed_key(value: Any) -> bool:
    if is_unknown(value):
        return True
    return isinstance(value, str) and bool(value.strip()) and not _AWS_MANAGED_ALIAS.search(value)


def non_customer_keys(data: Any, path: str) -> Iterator[tuple[str, Any]]:
    """(concrete path, value) of each key input at `path` that does not name a customer-managed key, wherever
    its enclosing block is present (lists transparent); a top-level key input is judged even when absent. An
    unknown block raises Unverifiable."""
    parent, _, key = path.rpartition(".")
    blocks = values_at(data, parent) if parent else [("", data)]
    for at, block in blocks:
        for index, item in enumerate(block if isinstance(block, list) else [block]):
            here = ".".join(p for p in (at, str(index) if isinstance(block, list) else "", key) if p)
            if is_unknown(item):
                raise Unverifiable(here)
            value = item.get(key) if isinstance(item, dict) else None
            if not customer_managed_key(value):
                yield here, value
