"""URL helpers shared by the sandbox pages."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


def is_web_url(url: str) -> bool:
    parts = urlsplit(url or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def add_query(url: str, **params: object) -> str:
    """``url`` with ``params`` appended to its query (existing parameters kept, fragment kept)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + [(k, str(v)) for k, v in params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


def host_of(url: str) -> str:
    """The lowercase host name of ``url`` (no port)."""
    return (urlsplit(url or "").hostname or "").lower()
