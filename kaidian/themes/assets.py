"""The storefront's static files (CSS, JS) and their content hashes, for cache-busting URLs."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
STATIC = PACKAGE / "static"


@lru_cache(maxsize=32)
def asset_version(filename: str) -> str:
    path = (STATIC / filename).resolve()
    if STATIC not in path.parents or not path.is_file():
        return "0"
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


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
