"""Where links on a rendered page point: the store's own paths for shoppers, or the same pages in
the merchant's preview (on the platform host) when previewing."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

from flask import url_for

from kaidian.platform.sites import store_url

_PREVIEW_ROUTES = (
    (re.compile(r"^/$"), "home", None),
    (re.compile(r"^/categories/?$"), "category", None),
    (re.compile(r"^/categories/([0-9a-fA-F-]{36})$"), "category", 1),
    (re.compile(r"^/products/([0-9a-zA-Z-]{1,36})$"), "product", 1),
    (re.compile(r"^/search/?$"), "search", None),
    (re.compile(r"^/member/?$"), "member", None),
    (re.compile(r"^/pages/([a-z0-9-]{1,40})$"), None, 1),
)

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
        from .assets import asset_version

        return url_for("themes_static.static", filename=filename, v=asset_version(filename))

    def _preview(self, value: str) -> str:
        parts = urlsplit(value)
        # the preview route's own arguments (handle, version) and url_for's options (_external, …)
        # cannot be overridden by a link's query string
        query = {k: v[-1] for k, v in parse_qs(parts.query).items() if k not in _RESERVED_ARGS and k[:1] != "_"}
        for pattern, handle, group in _PREVIEW_ROUTES:
            match = pattern.match(parts.path)
            if not match:
                continue
            handle = handle or match.group(group)
            if group is not None and handle in ("category", "product"):
                query["subject"] = match.group(group)
            return url_for("themes_admin.preview_page", handle=handle, version=self.preview, **query)
        return self._external(value)

    def _external(self, path: str) -> str:
        return store_url(self.tenant, path) if self.tenant is not None else path
