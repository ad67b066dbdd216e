"""The one place that decides whether a redirect target from the outside (``next=``) is safe.

Only a path on the same site is: it starts with one ``/`` (not ``//``), has no scheme or host, no
backslash and no whitespace or control/format character anywhere — browsers drop tabs and
newlines inside URLs, so ``/\\t/evil.com`` would become ``//evil.com``, and a newline in a header
is a server error. Anything else falls back to the caller's default (Django's
``url_has_allowed_host_and_scheme`` with no allowed hosts).
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from flask import redirect

MAX_LENGTH = 2000


def safe_local_path(target: str | None) -> str | None:
    """``target`` when it is a safe path on this site, else None."""
    if not isinstance(target, str) or not target or len(target) > MAX_LENGTH:
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(unicodedata.category(ch)[0] in "CZ" for ch in target):  # control, format, any space
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def redirect_next(target: str | None, default: str):
    """A redirect to ``target`` when it is a safe local path, otherwise to ``default``."""
    return redirect(safe_local_path(target) or default)
