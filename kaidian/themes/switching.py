"""Switching a store to another industry template, keeping the merchant's content.

The rule (content follows the merchant, style follows the template):

* **Global theme**: the new template's colours, font, corner radius and button style; the
  merchant's logo, tab bar and tab-bar switch are kept.
* **System pages** take the new template's arrangement. Each new section takes the first unused
  section of the same type from the merchant's page and carries over its *content* — text, rich
  text, images, links, chosen products, categories and groups — wherever the merchant changed it
  from the old template's preset (untouched demo wording is replaced by the new template's), and
  its blocks (slides, icons, links) when the merchant edited them. Style settings (sizes, columns,
  colours, layouts) come from the new template.
* Sections the merchant added, or customized, that have no counterpart in the new arrangement are
  kept, placed before the footer (within the 25-section limit).
* Custom pages are untouched. The published page and the draft are both mapped; the switch is
  published as a new version of every system page, so the previous look can be restored from the
  history.
"""

from __future__ import annotations

import copy

from flask_babel import force_locale
from sqlalchemy import select

from kaidian.platform.extensions import db
from kaidian.platform.models import utcnow

from . import documents, industries, page_kinds, registry, render_cache
from .errors import UnknownTemplate
from .models import Page, PageKind
from .registry import MAX_SECTIONS
from .services import _publish_document, _user_id, get_theme

CONTENT_TYPES = frozenset({"text", "richtext", "image", "product", "product_list", "category", "group", "link",
                           "url"})
KEPT_THEME_SETTINGS = ("logo", "show_tab_bar")


def switch_template(tenant, template: str, user):
    if template not in industries.INDUSTRIES:
        raise UnknownTemplate(fields={"template": [str(UnknownTemplate.message)]})
    theme = get_theme(tenant)
    old = theme.template
    with force_locale(tenant.default_locale):
        new_theme = industries.build_theme(template)
        handles = page_kinds.system_handles()
        old_docs = {h: industries.build_page(old, h) for h in handles} if old in industries.INDUSTRIES else {}
        new_docs = {h: industries.build_page(template, h) for h in handles}
        _switch_theme(theme, new_theme, template, user)
        pages = {p.handle: p for p in db.session.execute(select(Page).where(Page.kind == PageKind.SYSTEM)).scalars()}
        for handle in handles:
            if handle in pages:
                _switch_page(pages[handle], old_docs.get(handle), new_docs[handle], template, user)
    db.session.commit()
    render_cache.forget_state(tenant.id)
    return theme


def _switch_theme(theme, new_theme: dict, template: str, user) -> None:
    def merged(current: dict) -> dict:
        out = copy.deepcopy(new_theme)
        for key in KEPT_THEME_SETTINGS:
            out["settings"][key] = current.get("settings", {}).get(key, out["settings"][key])
        out["blocks"] = copy.deepcopy(current.get("blocks", {}))
        out["block_order"] = list(current.get("block_order", []))
        return documents.validate_theme(out)

    published = merged(theme.published)
    theme.draft = published if theme.draft == theme.published else merged(theme.draft)
    theme.published = published
    theme.template = template
    theme.published_version += 1
    theme.draft_revision += 1
    theme.draft_base_version = theme.published_version
    theme.published_at, theme.updated_at, theme.updated_by = utcnow(), utcnow(), _user_id(user)


def _switch_page(page: Page, old_preset: dict | None, new_preset: dict, template: str, user) -> None:
    published = carry_over(page.published or page.draft, old_preset, new_preset, page.handle)
    draft = published if page.draft == page.published else carry_over(page.draft, old_preset, new_preset,
                                                                      page.handle)
    _publish_document(page, published, user, f"template:{template}")
    page.draft = draft
    page.draft_revision += 1
    page.updated_at, page.updated_by = utcnow(), _user_id(user)


def carry_over(current: dict, old_preset: dict | None, new_preset: dict, handle: str) -> dict:
    """The new preset's arrangement filled with the merchant's content from ``current``."""
    result = copy.deepcopy(new_preset)
    old_sections = {sid: s for sid, s in (old_preset or {}).get("sections", {}).items()}
    mine = [(sid, current["sections"][sid]) for sid in current.get("order", []) if sid in current.get("sections", {})]
    used: set[str] = set()
    for section_id in result["order"]:
        target = result["sections"][section_id]
        match = next(((sid, s) for sid, s in mine if sid not in used and s.get("type") == target["type"]), None)
        if match is None:
            continue
        used.add(match[0])
        _merge(target, match[1], _preset_for(old_sections, match))
    leftovers = [(sid, s) for sid, s in mine if sid not in used and _customized(s, _preset_for(old_sections, (sid, s)))]
    _append(result, leftovers)
    result["settings"] = copy.deepcopy(current.get("settings", result.get("settings", {})))
    return documents.validate_document(result, handle)


def _preset_for(old_sections: dict, match: tuple[str, dict]) -> dict | None:
    preset = old_sections.get(match[0])
    return preset if preset is not None and preset.get("type") == match[1].get("type") else None


def _content_settings(section_type: str) -> list:
    schema = registry.get(section_type)
    return [s for s in schema.settings if s.type in CONTENT_TYPES] if schema else []


def _blocks_of(section: dict) -> list:
    blocks = section.get("blocks", {})
    return [(blocks[b]["type"], blocks[b]["settings"]) for b in section.get("block_order", []) if b in blocks]


def _merge(target: dict, mine: dict, preset: dict | None) -> None:
    for setting in _content_settings(target["type"]):
        value = mine.get("settings", {}).get(setting.id)
        baseline = (preset or {}).get("settings", {}).get(setting.id, setting.coerce(setting.default))
        if value is not None and value != baseline:
            target["settings"][setting.id] = copy.deepcopy(value)
    preset_blocks = _blocks_of(preset) if preset is not None else []
    if _blocks_of(mine) and _blocks_of(mine) != preset_blocks:
        target["blocks"], target["block_order"] = copy.deepcopy(mine["blocks"]), list(mine["block_order"])
    target["disabled"] = bool(mine.get("disabled", False))


def _customized(section: dict, preset: dict | None) -> bool:
    if preset is None:
        return True  # the merchant added it
    if _blocks_of(section) != _blocks_of(preset):
        return True
    return any(section.get("settings", {}).get(s.id) != preset.get("settings", {}).get(s.id)
               for s in _content_settings(section["type"]))


def _append(result: dict, leftovers: list[tuple[str, dict]]) -> None:
    footer = next((i for i, sid in enumerate(result["order"]) if result["sections"][sid]["type"] == "footer"),
                  len(result["order"]))
    for section_id, section in leftovers:
        if len(result["order"]) >= MAX_SECTIONS:
            break
        schema = registry.get(section.get("type"))
        count = sum(1 for s in result["sections"].values() if s["type"] == section.get("type"))
        if schema is None or (schema.limit is not None and count >= schema.limit):
            continue
        new_id = section_id
        while new_id in result["sections"]:
            new_id = f"{new_id[:36]}-{len(result['order'])}"
        result["sections"][new_id] = copy.deepcopy(section)
        result["order"].insert(footer, new_id)
        footer += 1
