"""The storefront's render cache, its keys, and how it is invalidated.

A rendered page is stored in ``get_cache()`` (Redis in production) under a key made of

* the tenant id and the page handle (and its subject: a product id, category id or search words),
* the page's published version and the theme's published version — read from a small per-tenant
  *published state* entry, rebuilt from the database when missing and dropped on every publish
  (``forget_state``) — so publishing makes the next request render afresh,
* the tenant's *content token*, replaced after any commit that changes the store's categories,
  groups or profile (name, logo …) — caught from SQLAlchemy session events, so those rows need no
  knowledge of themes,
* the locale and the canonical host that resolved the store (absolute share URLs depend on it) —
  never the raw Host header, whose port and letter-case variants are free to invent,
* a hash of the themes code, templates and static files (a deploy never serves pages of old code).

Products are finer-grained: while a page renders, the catalog reads it makes are recorded as *tags*
(``p:<product id>`` for every product it showed or asked for, ``lists`` when it listed products by a
query, ``search`` when it searched), and each tag keeps the set of cached keys carrying it. A
``product.changed`` event deletes the pages tagged with that product — and, when the product may
have entered or left lists (created, put on or off sale, moved), those tagged ``lists``/``search``
— and nothing else. Stock is not in cached pages at all: the storefront script fills it in from
``GET /api/store/stock`` (``catalog.storefront``), so orders never empty the cache.

Each process keeps a memo in front of the shared cache (``_Local``): a tenant's versions and the
pages it served last, each trusted for ``MEMO_SECONDS`` (1 s). A publish or catalog change in one
process shows at once there and within that second in the others.

Each tenant holds at most ``MAX_PAGES_PER_TENANT`` cached pages (``THEMES_MAX_PAGES_PER_TENANT``):
a per-tenant index (a Redis sorted set scored by last use, or an in-process one without Redis)
evicts the least recently used beyond the cap, so no stream of distinct URLs (search words, page
numbers) can grow the cache without bound.

Keys of one tenant can never be built for another: the tenant id is part of every key, and the
page is only looked up after the platform resolved the host to that tenant. The ETag is derived
from the key and the page's HTML, so a revalidation (If-None-Match) of an unchanged page is 304.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import threading
import time
import uuid
from collections import OrderedDict
from contextlib import contextmanager
from itertools import chain

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from kaidian.platform.cache import RedisCache, get_cache
from kaidian.platform.tenancy import current_tenant_id

PAGE_TTL = 24 * 3600
SEARCH_TTL = 300
STATE_TTL = 3600
TOKEN_TTL = 7 * 24 * 3600
MAX_PAGES_PER_TENANT = 1000
MEMO_SECONDS = 1.0  # how long a process trusts its memo of a tenant's versions (THEMES_MEMO_SECONDS)
_DIRTY = "kd_themes_dirty_tenants"


def _state_key(tenant_id) -> str:
    return f"themes:state:{tenant_id}"


def _content_key(tenant_id) -> str:
    return f"themes:content:{tenant_id}"


def _get_many(keys: list[str]) -> list[str | None]:
    cache = get_cache()
    if isinstance(cache, RedisCache):
        return [v.decode() if v is not None else None for v in cache.client.mget([cache.prefix + k for k in keys])]
    return [cache.get(k) for k in keys]


class _Local:
    """This process's memo in front of the shared cache: the versions of each tenant and the most
    recently served pages, each for ``MEMO_SECONDS`` (a page's key carries the versions; a product
    change deletes keys, which other processes learn within that time). Changes made in this
    process update it at once. Without Redis it also holds the tag sets (``tags``)."""

    def __init__(self, pages: int = 256):
        self.versions: dict[str, tuple[float, dict | None, str]] = {}
        self.pages: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self.tags: dict[str, set[str]] = {}
        self.max_pages = pages
        self.lock = threading.Lock()

    def page(self, key: str) -> str | None:
        with self.lock:
            hit = self.pages.get(key)
            if hit is None:
                return None
            if hit[0] <= time.monotonic():
                self.pages.pop(key, None)
                return None
            self.pages.move_to_end(key)
            return hit[1]

    def keep_page(self, key: str, entry: str, seconds: float) -> None:
        if seconds <= 0:
            return
        with self.lock:
            self.pages[key] = (time.monotonic() + seconds, entry)
            self.pages.move_to_end(key)
            while len(self.pages) > self.max_pages:
                self.pages.popitem(last=False)

    def drop_pages(self, keys) -> None:
        with self.lock:
            for key in keys:
                self.pages.pop(key, None)


def _local() -> _Local:
    app = current_app._get_current_object()
    local = app.extensions.get("kaidian_themes_local")
    if local is None:
        local = app.extensions.setdefault("kaidian_themes_local", _Local())
    return local


def _memo_seconds() -> float:
    return float(current_app.config.get("THEMES_MEMO_SECONDS", MEMO_SECONDS))


def versions(tenant_id, load_state) -> tuple[dict | None, str]:
    """(published state, content token) for the tenant: from this process's memo, else in one cache
    round trip when both are cached.

    ``load_state()`` rebuilds the published state from the database (None: no theme yet)."""
    memo = _local().versions.get(str(tenant_id))
    if memo is not None and memo[0] > time.monotonic():
        return memo[1], memo[2]
    raw_state, token = _get_many([_state_key(tenant_id), _content_key(tenant_id)])
    state = json.loads(raw_state) if raw_state else None
    if state is None:
        state = load_state()
        if state is not None:
            get_cache().set(_state_key(tenant_id), json.dumps(state), ttl=STATE_TTL)
    if token is None:
        token = bump_content(tenant_id)
    if state is not None and _memo_seconds() > 0:
        _local().versions[str(tenant_id)] = (time.monotonic() + _memo_seconds(), state, token)
    return state, token


def forget_state(tenant_id) -> None:
    """After a publish (page or theme) or a template switch: the next request reads the new versions."""
    get_cache().delete(_state_key(tenant_id))
    _local().versions.pop(str(tenant_id), None)


def bump_content(tenant_id) -> str:
    token = uuid.uuid4().hex[:12]
    get_cache().set(_content_key(tenant_id), token, ttl=TOKEN_TTL)
    _local().versions.pop(str(tenant_id), None)
    return token


def page_key(tenant_id, handle: str, subject: str, state: dict, token: str, locale: str, host: str) -> str:
    from .assets import code_version

    page_version = state.get("pages", {}).get(handle, 0)
    digest = hashlib.sha256(f"{subject}\x00{host}".encode()).hexdigest()[:16]
    return (f"themes:html:{tenant_id}:{handle}:{digest}:p{page_version}:t{state.get('theme', 0)}:{token}:{locale}"
            f":{code_version()}")


def etag_for(key: str, html: str = "") -> str:
    return hashlib.sha256(f"{key}\x00{html}".encode()).hexdigest()[:32]


def get_page(key: str) -> tuple[str, str] | None:
    """(etag, html) of a cached page, or None."""
    entry = _local().page(key)
    if entry is None:
        entry = get_cache().get(key)
        if entry is not None:
            _local().keep_page(key, entry, _memo_seconds())
            _index_touch(key)
    if entry is None or "\n" not in entry:
        return None
    etag, html = entry.split("\n", 1)
    return etag, html


def put_page(key: str, html: str, ttl: int = PAGE_TTL, *, tenant_id=None, tags=(), generation=None) -> str:
    """Cache a rendered page under ``key``, listed under each of its ``tags``; returns its ETag.

    ``generation`` is ``generation(tenant_id)`` read before rendering: if a product change was
    invalidated meanwhile, the page may show the old product and is not cached."""
    etag = etag_for(key, html)
    if generation is not None and generation != invalidations(tenant_id):
        return etag
    entry = f"{etag}\n{html}"
    get_cache().set(key, entry, ttl=ttl)
    _local().keep_page(key, entry, _memo_seconds())
    _index_add(key)
    if tags:
        _tag(tenant_id, key, tags)
    return etag


# --- the per-tenant bound ----------------------------------------------------------------------


def _max_pages() -> int:
    return int(current_app.config.get("THEMES_MAX_PAGES_PER_TENANT", MAX_PAGES_PER_TENANT))


def _index_key(page: str) -> str:
    """``themes:html:<tenant>:…`` → that tenant's index of cached pages."""
    return "themes:index:" + page.split(":", 3)[2]


def _index_touch(page: str) -> None:
    cache = get_cache()
    if isinstance(cache, RedisCache):
        cache.client.zadd(cache.prefix + _index_key(page), {page: time.time()}, xx=True)
    else:
        _memory_index(cache).touch(_index_key(page), page)


def _index_add(page: str) -> None:
    """Record the page in its tenant's index; evict the least recently used beyond the cap."""
    cache, cap = get_cache(), _max_pages()
    if isinstance(cache, RedisCache):
        index = cache.prefix + _index_key(page)
        pipe = cache.client.pipeline()
        pipe.zadd(index, {page: time.time()})
        pipe.expire(index, PAGE_TTL)
        pipe.zcard(index)
        count = pipe.execute()[-1]
        if count > cap:
            evicted = cache.client.zpopmin(index, count - cap)
            if evicted:
                cache.client.delete(*(cache.prefix + name.decode() for name, _ in evicted))
    else:
        for evicted in _memory_index(cache).add(_index_key(page), page, cap):
            cache.delete(evicted)


class _MemoryIndex:
    """The per-tenant index without Redis: page keys in order of last use."""

    def __init__(self):
        self.tenants: dict[str, OrderedDict[str, None]] = {}
        self.lock = threading.Lock()

    def touch(self, index: str, page: str) -> None:
        with self.lock:
            pages = self.tenants.get(index)
            if pages is not None and page in pages:
                pages.move_to_end(page)

    def add(self, index: str, page: str, cap: int) -> list[str]:
        with self.lock:
            pages = self.tenants.setdefault(index, OrderedDict())
            pages[page] = None
            pages.move_to_end(page)
            return [pages.popitem(last=False)[0] for _ in range(len(pages) - cap)]


def _memory_index(cache) -> _MemoryIndex:
    app = current_app._get_current_object()
    return app.extensions.setdefault("kaidian_themes_index", _MemoryIndex())


# --- product-level tags ------------------------------------------------------------------------

_recording: contextvars.ContextVar[set | None] = contextvars.ContextVar("themes_render_tags", default=None)


@contextmanager
def recording():
    """Collect the tags of what the block renders (``note``); yields the set."""
    tags: set[str] = set()
    token = _recording.set(tags)
    try:
        yield tags
    finally:
        _recording.reset(token)


def note(*tags: str) -> None:
    """Called by the store data reads of a render (``page_kinds.StoreData``, the catalog's
    ``CatalogData``): this page shows these."""
    current = _recording.get()
    if current is not None:
        current.update(tags)


def product_tag(product_id) -> str:
    return f"p:{product_id}"


def _tag_key(tenant_id, tag: str) -> str:
    return f"themes:tag:{tenant_id}:{tag}"


def _generation_key(tenant_id) -> str:
    return f"themes:gen:{tenant_id}"


def invalidations(tenant_id) -> str:
    """A value that changes whenever pages of the tenant are invalidated by tag."""
    return get_cache().get(_generation_key(tenant_id)) or "0"


def _tag(tenant_id, key: str, tags) -> None:
    cache = get_cache()
    if isinstance(cache, RedisCache):
        pipe = cache.client.pipeline(transaction=False)
        for tag in tags:
            name = cache.prefix + _tag_key(tenant_id, tag)
            pipe.sadd(name, key)
            pipe.expire(name, PAGE_TTL)
        pipe.execute()
        return
    local = _local()
    with local.lock:
        for tag in tags:
            local.tags.setdefault(_tag_key(tenant_id, tag), set()).add(key)


def invalidate(tenant_id, tags) -> int:
    """Delete every cached page of the tenant carrying one of ``tags``; returns how many keys."""
    cache = get_cache()
    names = [_tag_key(tenant_id, tag) for tag in tags]
    if isinstance(cache, RedisCache):
        client, prefix = cache.client, cache.prefix
        pipe = client.pipeline(transaction=False)
        for name in names:
            pipe.smembers(prefix + name)
        keys = {k.decode() for members in pipe.execute() for k in members}
        pipe = client.pipeline(transaction=True)
        pipe.incr(prefix + _generation_key(tenant_id))
        for key in keys:
            pipe.delete(prefix + key)
        for name in names:
            pipe.delete(prefix + name)
        pipe.execute()
    else:
        local = _local()
        with local.lock:
            keys = set().union(*(local.tags.pop(name, set()) for name in names))
        for key in keys:
            cache.delete(key)
        cache.set(_generation_key(tenant_id), uuid.uuid4().hex[:12])
    _local().drop_pages(keys)
    return len(keys)


def on_product_changed(event) -> None:
    """Subscriber of ``product.changed``: the pages that showed the product, and — if it may have
    entered or left a list — the pages listing products (or, if its title changed, searching)."""
    tags = {product_tag(event["product_id"])}
    if event.payload.get("listing"):
        tags |= {"lists", "search"}
    if event.payload.get("title"):
        tags.add("search")
    invalidate(event.tenant_id, tags)


# --- invalidation from session events --------------------------------------------------------


_CONTENT_MODELS: list[type] = []


def watch(*models: type) -> None:
    """Tenant-owned models whose rows, when changed, re-render all of a store's pages (the catalog's
    categories and groups: names in menus, headings, links); registered by the domain that owns them
    (``page_kinds.watch_content``). Products are invalidated by tag (``on_product_changed``)."""
    for model in models:
        if model not in _CONTENT_MODELS:
            _CONTENT_MODELS.append(model)


def _watched():
    """The registered content models, and the store itself."""
    from kaidian.platform.models import Tenant

    return tuple(_CONTENT_MODELS), Tenant


def _tenant_of(obj, catalog, tenant_cls):
    if isinstance(obj, catalog):
        return obj.tenant_id
    if isinstance(obj, tenant_cls):
        return obj.id
    return None


def _after_flush(session, flush_context) -> None:
    catalog, tenant_cls = _watched()
    dirty = session.info.setdefault(_DIRTY, set())
    for obj in chain(session.new, session.deleted, (o for o in session.dirty if session.is_modified(o))):
        tenant_id = _tenant_of(obj, catalog, tenant_cls)
        if tenant_id is not None:
            dirty.add(tenant_id)


def _on_execute(state) -> None:
    """Bulk ``update(...)`` / ``delete(...)`` statements on categories or groups through the session."""
    if not (state.is_update or state.is_delete):
        return
    catalog, tenant_cls = _watched()
    classes = {mapper.class_ for mapper in state.all_mappers}
    if classes & set(catalog) and current_tenant_id() is not None:
        state.session.info.setdefault(_DIRTY, set()).add(current_tenant_id())


def _after_commit(session) -> None:
    dirty = session.info.pop(_DIRTY, None)
    if not dirty or not has_app_context():
        return
    for tenant_id in dirty:
        bump_content(tenant_id)


def _after_soft_rollback(session, previous_transaction) -> None:
    """An outermost rollback discards the changes; a savepoint's rollback may leave earlier ones (an
    extra bump is harmless, a missed one is not), so only the outermost clears the record."""
    if previous_transaction.parent is None:
        session.info.pop(_DIRTY, None)


def install_listeners() -> None:
    """Idempotent: watch every session for changes the storefront shows."""
    if event.contains(Session, "after_flush", _after_flush):
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "do_orm_execute", _on_execute)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", _after_soft_rollback)
