"""Where links on a rendered page point: the store's own paths for shoppers, or the same pages in
the merchant's preview (on the platform host) when previewing."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

from flask import url_for

from kaidian.platform.sites import store_url

from . import page_kinds

_ROUTE_CACHE: dict = {}
_CONVERTERS = {"int": r"(\d{1,10})", "uuid": r"([0-9a-zA-Z-]{1,36})"}  # uuid: demo products are "demo-N"


def _preview_routes() -> list[tuple]:
    """(pattern, page handle) for every store address a merchant's preview can show: each system page
    kind's path and routes (``page_kinds``; routes with view defaults, such as ``/products``, open
    the store itself), then custom pages; a pattern's group is the page's subject (an id)."""
    kinds = page_kinds.all_kinds()
    key = tuple(id(kind) for kind in kinds)
    if key not in _ROUTE_CACHE:
        routes = []
        for kind in kinds:
            if not kind.system:
                continue
            rules = [r for r in kind.routes if isinstance(r, str)] + ([kind.path] if kind.path else [])
            for rule in dict.fromkeys(rules):
                routes.append((_pattern(rule), kind.handle))
        routes.append((re.compile(r"^/pages/([a-z0-9-]{1,40})$"), None))
        _ROUTE_CACHE.clear()
        _ROUTE_CACHE[key] = routes
    return _ROUTE_CACHE[key]


def _pattern(rule: str) -> re.Pattern:
    out, last = [], 0
    for match in re.finditer(r"<(?:(\w+):)?(\w+)>", rule):
        out.append(re.escape(rule[last:match.start()]))
        out.append(_CONVERTERS.get(match.group(1) or "", r"([^/]{1,100})"))
        last = match.end()
    out.append(re.escape(rule[last:]))
    body = "".join(out)
    return re.compile(f"^{body}$" if rule == "/" else f"^{body.rstrip('/')}/?$")


_RESERVED_ARGS = ("handle", "version")


class Links:
    """``href`` turns a link setting into a URL; the named helpers build the store's own paths."""

    def __init__(self, tenant=None, preview: str | None = None):
        self.tenant, self.preview = tenant, preview  # preview: None, "draft" or "published"

    def href(self, value: str) -> str:
        if not value:
            return ""
        if value.startswith("/") and self.preview:
            return self._preview(value)
        return value

    def home(self) -> str:
        return self.href("/")

    def categories(self) -> str:
        return self.href("/categories")

    def product(self, product_id) -> str:
        return self.href(f"/products/{product_id}")

    def search(self, query: str = "", page: int = 1) -> str:
        args = {k: v for k, v in (("q", query), ("page", page if page > 1 else "")) if v}
        return self.href("/search" + (f"?{urlencode(args)}" if args else ""))

    def paged(self, path: str, page: int) -> str:
        """``path`` (a store path without a query) at page ``page``."""
        return self.href(path + (f"?page={int(page)}" if page > 1 else ""))

    def search_action(self) -> str:
        return self._preview("/search").split("?")[0] if self.preview else "/search"

    def login(self, next_path: str = "/member", scope: str = "base") -> str:
        """WeChat login: silent (``snsapi_base``, the openid only) unless the shopper chose to show their
        nickname and avatar (``scope="userinfo"``) — WeChat forbids forcing the profile prompt."""
        path = "/wechat/login?" + urlencode({"next": next_path, "scope": scope})
        return self._external(path) if self.preview else path

    def static(self, filename: str) -> str:
        """The file's URL with its content hash (``platform.assets``)."""
        return url_for("themes_static.static", filename=filename)

    def _preview(self, value: str) -> str:
        parts = urlsplit(value)
        # the preview route's own arguments (handle, version) and url_for's options (_external, …)
        # cannot be overridden by a link's query string
        query = {k: v[-1] for k, v in parse_qs(parts.query).items() if k not in _RESERVED_ARGS and k[:1] != "_"}
        for pattern, handle in _preview_routes():
            match = pattern.match(parts.path)
            if not match:
                continue
            if handle is None:  # a custom page
                handle = match.group(1)
            elif match.groups():
                query["subject"] = match.group(1)
            return url_for("themes_admin.preview_page", handle=handle, version=self.preview, **query)
        return self._external(value)

    def _external(self, path: str) -> str:
        return store_url(self.tenant, path) if self.tenant is not None else path
