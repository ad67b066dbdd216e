"""Rendering page documents to HTML, in Jinja's sandboxed environment.

Section templates are Kaidian's own files; everything a tenant controls (setting values, rich
text, product titles) reaches them as *data* — passed in the context, autoescaped, never compiled
as a template — so ``{{ 7*7 }}`` typed into a heading prints as typed. The environment is sandboxed
as a second wall (no attribute access to internals, no unsafe calls), as CTFd does for its themes.
Rich text is cleaned by nh3 on save and again here (``richtext``).
"""

from __future__ import annotations

import logging
from functools import cached_property
from pathlib import Path

from flask import current_app, request
from flask_babel import get_locale, get_translations
from jinja2 import FileSystemLoader
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from kaidian.platform.money import format_yuan
from kaidian.platform.richtext import plain_text, safe_html
from kaidian.platform.sites import canonical_base_url

from . import demo, documents, page_kinds, registry, render_cache, style
from .documents import SectionView
from .icons import icon
from .images import theme_image
from .links import Links
from .theme_schema import tab_label

TEMPLATES = Path(__file__).resolve().parent / "templates"
log = logging.getLogger(__name__)


def environment() -> SandboxedEnvironment:
    app = current_app._get_current_object()
    env = app.extensions.get("kaidian_theme_env")
    if env is None:
        env = _build_environment(app.debug)
        app.extensions["kaidian_theme_env"] = env
    return env


def _build_environment(debug: bool) -> SandboxedEnvironment:
    folders = [str(TEMPLATES), *registry.TEMPLATE_FOLDERS]  # themes' own, then other domains' sections
    env = SandboxedEnvironment(loader=FileSystemLoader(folders), autoescape=True, trim_blocks=True,
                               lstrip_blocks=True, auto_reload=debug, extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(gettext=lambda s: get_translations().ugettext(s),
                                  ngettext=lambda s, p, n: get_translations().ungettext(s, p, n), newstyle=True)
    env.globals.update(icon=icon, richtext=safe_html, tab_label=tab_label, image=theme_image, yuan=yuan,
                       readable_on_page=style.on_page, readable_on=style.on_fill)
    env.filters["yuan"] = yuan
    return env


def yuan(fen, whole: bool = False, symbol: bool = True) -> str:
    """The ``yuan`` filter and global of section templates (``platform.money.format_yuan``)."""
    return format_yuan(fen, whole=whole, symbol=symbol)


class FirstImages:
    """Which images of a page load first. The largest image a shopper sees on opening a page (the LCP
    element) is among the first row of the first section that shows large images (a banner, a product
    grid or carousel, a gallery); those load eagerly with ``fetchpriority="high"``, every other image
    lazily. Sections render top to bottom, so the first section to ``claim`` the page is the top one."""

    def __init__(self):
        self._owner: str | None = None

    def claim(self, section_id: str) -> bool:
        if self._owner is None:
            self._owner = section_id
        return self._owner == section_id


class RenderContext:
    """Everything one render needs: the store, the theme, the page and who is looking.

    ``audience`` is ``"shopper"`` (the public store) or ``"merchant"`` (preview and the builder):
    only the merchant ever sees demo content, and only while the store has no products."""

    def __init__(self, tenant, theme: dict, handle: str, *, audience: str = "shopper", subject: dict | None = None,
                 links: Links | None = None, industry: str = "clothing", customer: dict | None = None):
        self.tenant, self.theme, self.handle = tenant, theme, handle
        self.kind = page_kinds.kind_of(handle)
        self.audience, self.subject, self.industry, self.customer = audience, subject, industry, customer
        self.links = links or Links(tenant)
        self.data = page_kinds.store_data()
        self.first_images = FirstImages()

    @property
    def merchant(self) -> bool:
        return self.audience == "merchant"

    @cached_property
    def demo(self) -> bool:
        return self.merchant and not self.data.has_products()

    def demo_products(self, count: int) -> list[dict]:
        return demo.products(self.industry, count)

    def demo_categories(self, tree: bool = False) -> list[dict]:
        return demo.categories(self.industry, tree=tree)

    @cached_property
    def store(self) -> dict:
        logo = self.theme["settings"].get("logo") or self.tenant.logo_key
        return {"name": self.tenant.name, "slug": self.tenant.slug, "intro": self.tenant.intro,
                "logo": theme_image(logo) if logo else None, "phone": self.tenant.contact_phone,
                "wechat_id": self.tenant.service_wechat_id}

    def page_info(self) -> dict:
        kind = page_kinds.get(self.handle)
        return {"handle": self.handle, "kind": self.kind, "audience": self.audience, "merchant": self.merchant,
                "demo": self.demo, "path": page_kinds.path_of(self.handle) or "",
                "stylesheet": kind.stylesheet if kind is not None and kind.system else ""}


def render_section(view: SectionView, ctx: RenderContext) -> Markup:
    """One section's HTML inside its wrapper (the element the builder swaps on each edit)."""
    schema = view.schema
    try:
        view.data = schema.loader(view, ctx) if schema.loader else {}
        inner = environment().get_template(schema.template).render(
            section=view, settings=view.settings, blocks=view.blocks, data=view.data, page=ctx.page_info(),
            store=ctx.store, theme=ctx.theme["settings"], links=ctx.links, fold=ctx.first_images)
    except Exception:
        if current_app.debug or current_app.testing:
            raise
        log.exception("section %s (%s) failed to render", view.id, view.type)
        inner = ""
    if not inner.strip() and not ctx.merchant:
        return Markup("")
    return Markup(
        '<section class="kd-section kd-s-{type}" id="kd-section-{id}" data-section-id="{id}" '
        'data-section-type="{type}" style="{style}">{inner}</section>'
    ).format(type=view.type, id=view.id, style=style.section_style(view.settings, ctx.theme["settings"]),
             inner=Markup(inner))


def section_views(document: dict) -> list[SectionView]:
    views = []
    for section_id in document.get("order", []):
        section = document.get("sections", {}).get(section_id)
        if not isinstance(section, dict) or section.get("disabled"):
            continue
        view = documents.section_view(section_id, section)
        if view is not None:
            views.append(view)
    return views


def is_shopper_specific(document: dict) -> bool:
    return any(v.schema.shopper_specific for v in section_views(document))


def render_page(document: dict, ctx: RenderContext, *, preview: str | None = None) -> str:
    """A whole page: the layout around the document's enabled sections, in order. A merchant's preview
    is never cached, so it carries the live stock of what it shows inline (the store's cached pages
    load it from ``/api/store/stock``)."""
    with render_cache.recording() as shown:
        sections = [render_section(view, ctx) for view in section_views(document)]
    render_cache.note(*shown)
    live_stock = _live_stock(shown, ctx) if ctx.merchant else None
    show_empty = ctx.handle == "home" and not ctx.merchant and not ctx.data.has_products()
    return environment().get_template("themes/pages/page.html").render(
        sections=sections, meta=page_meta(document, ctx), page=ctx.page_info(), store=ctx.store,
        theme=ctx.theme["settings"], tabs=tabs(ctx), links=ctx.links, preview=preview,
        theme_css=style.css_block(style.theme_variables(ctx.theme["settings"])), show_empty_notice=show_empty,
        locale=str(get_locale()), languages={"zh": "简体中文", "en": "English"},
        language_url=_language_url, live_stock=live_stock)


def _live_stock(tags, ctx: RenderContext) -> dict:
    prefix = render_cache.product_tag("")
    ids = [tag[len(prefix):] for tag in tags if tag.startswith(prefix)]
    subject = (ctx.subject or {}).get("product") or {}
    return ctx.data.live_stock(ids + [subject["id"]] if subject.get("id") else ids)


def render_error_page(ctx: RenderContext, header: list[SectionView], status: int, title: str, message: str,
                      closed: bool = False) -> str:
    """A store's error page (404, 403, 500, closed) in its theme: its colours, the ``header`` sections of
    its home page and, unless the store is closed, its tab bar; the words and a link home in between."""
    sections = [render_section(view, ctx) for view in header]
    meta = {"title": f"{title} - {ctx.tenant.name}", "description": message, "image": "", "url": ""}
    return environment().get_template("themes/pages/error.html").render(
        sections=sections, meta=meta, page=ctx.page_info(), store=ctx.store, theme=ctx.theme["settings"],
        tabs=[] if closed else tabs(ctx), links=ctx.links, status=status, title=title, message=message,
        closed=closed, theme_css=style.css_block(style.theme_variables(ctx.theme["settings"])),
        locale=str(get_locale()))


def render_app_page(ctx: RenderContext, header: list[SectionView], title: str, body, scripts=()) -> str:
    """A store page another domain draws itself (the shopper login, the address book): ``body`` (markup
    the caller rendered and escaped) between the store's header sections and its tab bar, in its colours;
    ``scripts``: extra same-origin script URLs."""
    sections = [render_section(view, ctx) for view in header]
    meta = {"title": f"{title} - {ctx.tenant.name}", "description": title, "image": "", "url": ""}
    return environment().get_template("themes/pages/app.html").render(
        sections=sections, meta=meta, page=ctx.page_info(), store=ctx.store, theme=ctx.theme["settings"],
        tabs=tabs(ctx), links=ctx.links, title=title, body=body, extra_scripts=list(scripts),
        theme_css=style.css_block(style.theme_variables(ctx.theme["settings"])), locale=str(get_locale()))


def _language_url(code: str) -> str:
    from flask import url_for

    return url_for("platform.switch_language", locale=code, next=request.path)


def tabs(ctx: RenderContext) -> list[dict]:
    theme = ctx.theme
    if not theme["settings"].get("show_tab_bar", True):
        return []
    current = (page_kinds.path_of(ctx.handle) or "") if page_kinds.is_system(ctx.handle) else ""
    out = []
    for block_id in theme.get("block_order", []):
        block = theme.get("blocks", {}).get(block_id)
        if not block or block.get("disabled"):
            continue
        settings = block["settings"]
        out.append({"icon": settings["icon"], "label": tab_label(settings), "href": ctx.links.href(settings["link"]),
                    "active": bool(current) and settings["link"] == current})
    return out


def page_meta(document: dict, ctx: RenderContext) -> dict:
    """Title, description and share image (og: and WeChat's itemprop tags) for the page."""
    settings = documents.page_settings(document)
    store_name = ctx.tenant.name
    subject_title, subject_text, subject_image = _subject_meta(ctx)
    title = settings["title"] or subject_title or ""
    full_title = f"{title} - {store_name}" if title and title != store_name else store_name
    description = settings["description"] or subject_text or ctx.tenant.intro or store_name
    image = theme_image(settings["share_image"]) if settings["share_image"] else None
    image_url = (image["url"] if image else subject_image or (ctx.store["logo"] or {}).get("url", "")
                 or ctx.links.static("share.png"))
    page_url = _absolute(ctx.tenant, request.path) if not ctx.merchant else ""
    return {"title": full_title, "description": plain_text(description, 120),
            "image": _absolute(ctx.tenant, image_url), "url": page_url}


def _subject_meta(ctx: RenderContext) -> tuple[str, str, str]:
    """The page kind's own title, description and image for sharing (``PageKind.meta``)."""
    kind = page_kinds.get(ctx.kind)
    if kind is None or kind.meta is None:
        return "", "", ""
    return kind.meta(ctx.subject or {})


def _absolute(tenant, url: str) -> str:
    """Share links and images on the store's own host (never the request's Host header)."""
    if not url or url.startswith(("http://", "https://")):
        return url
    return canonical_base_url() + url
