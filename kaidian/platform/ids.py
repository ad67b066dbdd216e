"""Ids from untrusted lists (query strings, page documents): the valid UUIDs, in order; the rest dropped."""

from __future__ import annotations

import uuid
from collections.abc import Iterable


def valid_uuids(values: Iterable) -> list[uuid.UUID]:
    out = []
    for value in values:
        try:
            out.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return out
