"""Caching of static files and media for as long as they cannot change.

Static files: every ``url_for(<blueprint>.static, filename=…)`` gets the file's content hash as
``?v=`` (``url_defaults``), so changing a file changes its URL. A request whose ``v`` is the file's
current hash is answered ``Cache-Control: public, max-age=31536000, immutable``; any other (no ``v``,
an old one) gets Flask's default, revalidated by ETag — an old URL never pins new content.

Media (``storage.cache_control``): uploaded files get random names and are never rewritten (a new
upload is a new name), so the public ones — product photos, theme images, logos — are immutable too.
Pages themselves stay ``no-cache`` (revalidated by ETag on every visit).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app, request

IMMUTABLE = "public, max-age=31536000, immutable"


@lru_cache(maxsize=1024)
def _digest(path: str, modified_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:10]


def file_version(folder: str | None, filename: str) -> str | None:
    """The content hash of ``filename`` under ``folder`` (None when there is no such file)."""
    if not folder or not filename:
        return None
    root = Path(folder).resolve()
    path = (root / filename).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return _digest(str(path), path.stat().st_mtime_ns)


def _is_static(endpoint: str | None) -> bool:
    return bool(endpoint) and (endpoint == "static" or endpoint.endswith(".static"))


def _static_folder(endpoint: str) -> str | None:
    app = current_app
    if endpoint == "static":
        return app.static_folder
    blueprint = app.blueprints.get(endpoint.rsplit(".", 1)[0])
    return blueprint.static_folder if blueprint is not None else None


def _add_version(endpoint: str, values: dict) -> None:
    if _is_static(endpoint) and "v" not in values:
        version = file_version(_static_folder(endpoint), values.get("filename", ""))
        if version:
            values["v"] = version


def _cache_versioned(response):
    endpoint = request.endpoint
    if response.status_code != 200 or not _is_static(endpoint) or not request.args.get("v"):
        return response
    filename = (request.view_args or {}).get("filename", "")
    if request.args["v"] == file_version(_static_folder(endpoint), filename):
        response.headers["Cache-Control"] = IMMUTABLE
    return response


def init_app(app: Flask) -> None:
    app.url_defaults(_add_version)
    app.after_request(_cache_versioned)
