"""Store page kinds: each kind of store page declared once, by the domain that owns what it shows.

A page kind is a handle (``"product"``), a label for the merchant, where shoppers find it (its path
and the URL rules it answers on the store site), its data provider (what subject a request loads:
the product, the category and page number, the logged-in shopper …), the section types made for
it, its default document per industry template, and whether it is **private** (it shows one
shopper's data: never in the shared render cache, ``Cache-Control: private``).

Themes registers ``home`` and the merchant's ``custom`` pages; the catalog registers ``category``,
``product`` and ``search`` (and provides the store data sections read, ``provide_data``); customers
registers ``member``. A new domain (orders: cart, checkout, …) calls ``register(app, PageKind(…))``
from its ``init_app`` and brings its section types with ``register_section`` (and their templates
folder); nothing else in themes changes. See ARCHITECTURE.md,
"Store page kinds", for a worked example.

Every store has one page of each *system* kind (created with its theme; ``flask kaidian
setup-themes`` adds the pages of kinds registered after a store was created). Reads never write: a
store missing the page of a kind answers 404 until then.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import registry, render_cache
from .registry import BlockType, SectionType  # noqa: F401  (for domains declaring their sections)

CUSTOM = "custom"


@dataclass(frozen=True)
class Subject:
    """What one request of a page kind shows, from the kind's provider.

    ``key`` names it in the render cache (product id, page number …); ``load`` returns the
    ``subject`` dict section templates see (it may ``abort(404)``; it runs only when the page is
    rendered, not on a cache hit); ``customer`` is the logged-in shopper (private kinds);
    ``response`` answers the request instead (a redirect to log in); ``ttl`` overrides how long the
    rendered page is cached."""

    key: str = ""
    load: Callable[[], dict] | None = None
    customer: dict | None = None
    response: Any = None
    ttl: int | None = None


@dataclass(frozen=True)
class PageKind:
    handle: str
    label: Any
    path: str | None = None  # where shoppers find it (links, tab bar, the builder); None: no one address
    routes: tuple = ()  # URL rules on the store site: "rule" or ("rule", {view defaults})
    subject: Callable[..., Subject] | None = None  # (**view args) -> Subject, called in the request
    preview: Callable[[dict, str], dict | None] | None = None  # (args, industry) -> subject of a preview
    meta: Callable[[dict], tuple] | None = None  # subject -> (title, description, image url) for sharing
    sections: tuple[str, ...] = ()  # section types made for this kind (besides those any page may hold)
    defaults: dict = field(default_factory=dict)  # industry key or "*" -> [(id, type, settings, blocks)]
    private: bool = False  # per-shopper: never shared-cached
    stylesheet: str = ""  # a sheet in themes/static its own sections need, linked after storefront.css
    system: bool = True  # every store has one page of this kind (False: only "custom")
    position: int = 100  # order in the builder's page list

    def __hash__(self) -> int:
        return hash(self.handle)


_KINDS: dict[str, PageKind] = {}


def page_number(page) -> int:
    """A page number from a query string or view argument (1 to 1000; anything else is 1)."""
    try:
        return max(1, min(int(page or 1), 1000))
    except (TypeError, ValueError):
        return 1


def register(app, kind: PageKind) -> PageKind:
    """Declare ``kind`` (idempotent for the same declaration) and, with an ``app``, serve its routes
    on the store site through the one storefront path (``themes.storefront.page_response``)."""
    from kaidian.platform import sites

    existing = _KINDS.get(kind.handle)
    if existing is not None and existing != kind:
        raise ValueError(f"page kind {kind.handle!r} registered twice")
    _KINDS[kind.handle] = kind
    if app is not None:
        for index, route in enumerate(kind.routes):
            rule, defaults = (route, None) if isinstance(route, str) else route
            endpoint = f"store_page_{kind.handle}_{index}"
            if endpoint in app.view_functions:
                continue
            view = _view(kind.handle, endpoint)
            app.add_url_rule(rule, endpoint, view, defaults=defaults, methods=["GET"])
            sites.serve_only_on(sites.STORE, endpoint)
    return kind


def register_section(section: SectionType, templates: str | None = None) -> SectionType:
    """A section type a domain brings for its page kinds (``PageKind.sections``), with the folder of
    its template (``<templates>/themes/sections/<type>.html``)."""
    registry.register(section)
    if templates:
        registry.add_templates(templates)
    return section


def unregister(handle: str) -> None:
    """Forget a kind (tests that register toy kinds); its URL rules stay on apps already built."""
    _KINDS.pop(handle, None)


def _view(handle: str, endpoint: str):
    def serve(**view_args):
        from .storefront import page_response

        return page_response(handle, **view_args)

    serve.__name__ = serve.__qualname__ = endpoint
    return serve


def get(handle: str) -> PageKind | None:
    return _KINDS.get(handle)


def kind_of(handle: str) -> str:
    """The kind of the page with this handle: a system kind's own handle, else ``"custom"``."""
    kind = _KINDS.get(handle)
    return handle if kind is not None and kind.system else CUSTOM


def all_kinds() -> list[PageKind]:
    return sorted(_KINDS.values(), key=lambda k: (k.position, k.handle))


def system_handles() -> list[str]:
    """Handles of the pages every store has, in the builder's order."""
    return [k.handle for k in all_kinds() if k.system]


def is_system(handle: str) -> bool:
    kind = _KINDS.get(handle)
    return kind is not None and kind.system


def label(handle_or_kind: str) -> str:
    kind = _KINDS.get(kind_of(handle_or_kind)) or _KINDS.get(handle_or_kind)
    return str(kind.label) if kind is not None else handle_or_kind


def path_of(handle: str) -> str | None:
    """Where shoppers find the page (``/pages/<handle>`` for a custom page; None for a kind with no
    single address, like the product page)."""
    return _KINDS[handle].path if is_system(handle) else f"/pages/{handle}"


def address(handle: str) -> str:
    """The page's address as the builder shows it: its path, or its first route with ``<id>`` for
    the part that varies (``/products/<id>``)."""
    path = path_of(handle)
    if path is not None:
        return path
    routes = _KINDS[handle].routes
    rule = (routes[0] if isinstance(routes[0], str) else routes[0][0]) if routes else ""
    return re.sub(r"<[^>]+>", "<id>", rule)


def allows(kind: str, section_type: str) -> bool:
    """A section type the page kind declared as its own."""
    declared = _KINDS.get(kind)
    return declared is not None and section_type in declared.sections


def is_private(handle: str) -> bool:
    """Pages that show the logged-in shopper: declared private, or holding a shopper-specific section
    type made for the kind."""
    kind = kind_of(handle)
    declared = _KINDS.get(kind)
    if declared is not None and declared.private:
        return True
    return any(s.shopper_specific and s.pages and kind in s.pages for s in registry.all_sections())


def default_sections(handle: str, industry: str) -> list[tuple]:
    kind = _KINDS.get(handle)
    if kind is None:
        return []
    return list(kind.defaults.get(industry) or kind.defaults.get("*") or [])


# --- the store's data: for the domain that provides it (the catalog) ---------------------------

def note(*tags: str) -> None:
    """Mark the page being rendered as showing these (``product_tag(id)``, ``"lists"`` for product
    lists, ``"search"``): a ``product.changed`` event invalidates exactly the pages carrying its tags."""
    render_cache.note(*tags)


product_tag = render_cache.product_tag
SEARCH_TTL = render_cache.SEARCH_TTL  # how long a search page stays cached (``Subject.ttl``)


def watch_content(*models: type) -> None:
    """Tenant-owned models whose change re-renders every page of the store (categories, groups)."""
    render_cache.watch(*models)


# --- the store's data --------------------------------------------------------------------------


class StoreData:
    """What section loaders read from the store's catalog (``ctx.data``), as plain dicts. This empty
    one is what a store shows without a catalog; the catalog provides the real one (``provide_data``).
    Implementations note what a render showed (``render_cache.note``) for per-product invalidation."""

    def has_products(self) -> bool:
        return False

    def products(self, source: str = "latest", *, category_id: str = "", group_id: str = "",
                 ids: list | None = None, limit: int = 12, offset: int = 0) -> list[dict]:
        return []

    def categories(self) -> list[dict]:
        return []

    def category(self, category_id) -> dict | None:
        return None

    def category_family(self, category_id) -> list:
        return []

    def group(self, group_id) -> dict | None:
        return None

    def product(self, product_id) -> dict | None:
        return None

    def search(self, query: str, limit: int = 40, offset: int = 0) -> list[dict]:
        return []

    def existing(self, kind: str, ids: list[str]) -> set[str]:
        """Which of ``ids`` (products, categories, groups) name rows of this store."""
        return set()

    def live_stock(self, product_ids: list[str]) -> dict:
        """Live stock of these products (for a merchant's preview, which is never cached)."""
        return {}


_DATA: list[Callable[[], StoreData]] = [StoreData]


def provide_data(factory: Callable[[], StoreData]) -> None:
    """The store data section loaders read (the catalog's ``CatalogData``)."""
    _DATA[0] = factory


def store_data() -> StoreData:
    """A fresh view of the store's data for one render (it memoizes its queries)."""
    return _DATA[0]()


def demo_product(industry: str, key: str = "demo-1") -> dict:
    """A demo product of the industry template (a merchant's preview while the store has none)."""
    from . import demo

    return demo.product_detail(industry, key) or demo.product_detail(industry, "demo-1")
