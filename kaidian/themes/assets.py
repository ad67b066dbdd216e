"""The version of the storefront's code (templates, static files, sources), for render-cache keys.

Static files' own URLs carry their content hash through ``platform.assets``."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the package's templates, static files and Python sources: part of every render-cache
    key, so a deploy that changes how pages look never serves pages rendered by the old code."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and path.suffix in (".html", ".css", ".js", ".py", ".png"):
            digest.update(str(path.relative_to(PACKAGE)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]
