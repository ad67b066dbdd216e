"""Page documents: their shape, and the validation every save goes through.

A document (Dawn's ``templates/*.json``)::

    {"sections": {"<id>": {"type": "banner",
                           "settings": {"height": 200, ...},
                           "blocks": {"<block id>": {"type": "slide", "settings": {...}}},
                           "block_order": ["<block id>", ...],
                           "disabled": false}},
     "order": ["<id>", ...],
     "settings": {"title": "", "description": "", "share_image": ""}}   # optional page settings

``validate_document`` refuses anything the schemas do not allow (unknown section types, block
types and settings; wrong value types; values past their limits; more than 25 sections or 50
blocks; an ``order`` that is not exactly the section ids; documents over 256 KB) with errors keyed
by field path (``sections.hero.settings.height``), and returns the normalized document: every
setting present (defaults filled in), values cleaned (rich text sanitized, colours lower-case).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from kaidian.platform.errors import ValidationFailed

from . import page_kinds, registry
from .registry import MAX_BLOCKS, MAX_DOCUMENT_BYTES, MAX_SECTIONS, PAGE_SETTINGS, SectionType
from .settings import Setting, SettingError

ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
SECTION_KEYS = {"type", "settings", "blocks", "block_order", "disabled"}
BLOCK_KEYS = {"type", "settings", "disabled"}

# (kind, ids) -> the ids that exist in the store; the default asks the catalog
ReferenceCheck = Callable[[str, list[str]], set[str]]


class DocumentInvalid(ValidationFailed):
    code = "invalid_document"
    message = _l("The page is not valid; see the fields for what to change.")


@dataclass
class _Errors:
    fields: dict[str, list[str]] = field(default_factory=dict)
    references: list[tuple[str, str, str]] = field(default_factory=list)  # (path, kind, id)

    def add(self, path: str, message) -> None:
        self.fields.setdefault(path or "document", []).append(str(message))


def validate_document(document, page_handle: str, tenant_id=None, check: ReferenceCheck | None = None) -> dict:
    """The normalized document, or ``DocumentInvalid`` with every problem by field path."""
    errors = _Errors()
    out = _document(document, page_kinds.kind_of(page_handle), tenant_id, errors)
    _check_references(errors, check)
    if errors.fields:
        raise DocumentInvalid(fields=errors.fields)
    return out


def validate_section(section, page_handle: str, tenant_id=None, check: ReferenceCheck | None = None,
                     path: str = "section") -> dict:
    """One section on its own (the builder's live preview)."""
    errors = _Errors()
    out = _section(section, page_kinds.kind_of(page_handle), tenant_id, errors, path)
    _check_references(errors, check)
    if errors.fields:
        raise DocumentInvalid(fields=errors.fields)
    return out


def validate_theme(document, tenant_id=None) -> dict:
    """The global theme settings (``settings`` plus the tab bar as ``blocks``/``block_order``)."""
    from .theme_schema import THEME

    errors = _Errors()
    if not isinstance(document, dict):
        raise DocumentInvalid(fields={"theme": [str(_l("Must be an object."))]})
    out = _section({"type": "theme", **document}, "custom", tenant_id, errors, "theme", schema=THEME)
    if errors.fields:
        raise DocumentInvalid(fields=errors.fields)
    out.pop("type", None)
    out.pop("disabled", None)
    return out


def _document(document, kind: str, tenant_id, errors: _Errors) -> dict:
    if not isinstance(document, dict):
        errors.add("document", _l("Must be an object with sections and order."))
        return {}
    if _size(document) > MAX_DOCUMENT_BYTES:
        errors.add("document", _l("The page is larger than %(kb)s KB.", kb=MAX_DOCUMENT_BYTES // 1024))
        return {}
    for key in set(document) - {"sections", "order", "settings"}:
        errors.add(key, _l("Unknown field."))
    sections = document.get("sections", {})
    if not isinstance(sections, dict):
        errors.add("sections", _l("Must be an object of sections by id."))
        sections = {}
    if len(sections) > MAX_SECTIONS:
        errors.add("sections", _l("A page holds at most %(max)s sections.", max=MAX_SECTIONS))
        return {}
    out_sections = {}
    for section_id, section in sections.items():
        path = f"sections.{section_id}"
        if not isinstance(section_id, str) or not ID_RE.match(section_id):
            errors.add(path, _l("Ids are 1 to 40 letters, digits, - or _."))
            continue
        out_sections[section_id] = _section(section, kind, tenant_id, errors, path)
    _check_limits(out_sections, errors)
    order = _order(document.get("order", []), list(sections), "order", errors)
    settings = _settings(document.get("settings", {}), PAGE_SETTINGS, tenant_id, errors, "settings")
    return {"sections": out_sections, "order": order, "settings": settings}


def _size(document) -> int:
    try:
        return len(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode())
    except (TypeError, ValueError):
        return MAX_DOCUMENT_BYTES + 1


def _section(section, kind: str, tenant_id, errors: _Errors, path: str,
             schema: SectionType | None = None) -> dict:
    if not isinstance(section, dict):
        errors.add(path, _l("Must be an object."))
        return {}
    for key in set(section) - SECTION_KEYS:
        errors.add(f"{path}.{key}", _l("Unknown field."))
    schema = schema or registry.get(section.get("type"))
    if schema is None:
        errors.add(f"{path}.type", _l("Unknown section type %(type)s.", type=repr(section.get("type"))))
        return {}
    if not schema.allowed_on(kind):
        errors.add(f"{path}.type", _l("This section cannot be used on this page."))
    disabled = section.get("disabled", False)
    if not isinstance(disabled, bool):
        errors.add(f"{path}.disabled", _l("Must be true or false."))
    settings = _settings(section.get("settings", {}), schema.settings, tenant_id, errors, f"{path}.settings")
    blocks, block_order = _blocks(section, schema, tenant_id, errors, path)
    return {"type": schema.type, "settings": settings, "blocks": blocks, "block_order": block_order,
            "disabled": disabled is True}


def _blocks(section: dict, schema: SectionType, tenant_id, errors: _Errors, path: str) -> tuple[dict, list]:
    blocks = section.get("blocks", {})
    if not isinstance(blocks, dict):
        errors.add(f"{path}.blocks", _l("Must be an object of blocks by id."))
        return {}, []
    limit = min(schema.max_blocks, MAX_BLOCKS)
    if len(blocks) > limit:
        message = (_l("This section holds at most %(max)s blocks.", max=limit) if limit
                   else _l("This section has no blocks."))
        errors.add(f"{path}.blocks", message)
        return {}, []
    out = {}
    for block_id, block in blocks.items():
        block_path = f"{path}.blocks.{block_id}"
        if not isinstance(block_id, str) or not ID_RE.match(block_id):
            errors.add(block_path, _l("Ids are 1 to 40 letters, digits, - or _."))
            continue
        out[block_id] = _block(block, schema, tenant_id, errors, block_path)
    order = _order(section.get("block_order", list(blocks)), list(blocks), f"{path}.block_order", errors)
    return out, order


def _block(block, schema: SectionType, tenant_id, errors: _Errors, path: str) -> dict:
    if not isinstance(block, dict):
        errors.add(path, _l("Must be an object."))
        return {}
    for key in set(block) - BLOCK_KEYS:
        errors.add(f"{path}.{key}", _l("Unknown field."))
    block_type = schema.block(block.get("type"))
    if block_type is None:
        errors.add(f"{path}.type", _l("Unknown block type %(type)s.", type=repr(block.get("type"))))
        return {}
    disabled = block.get("disabled", False)
    if not isinstance(disabled, bool):
        errors.add(f"{path}.disabled", _l("Must be true or false."))
    settings = _settings(block.get("settings", {}), block_type.settings, tenant_id, errors, f"{path}.settings")
    return {"type": block_type.type, "settings": settings, "disabled": disabled is True}


def _settings(values, schema: list[Setting], tenant_id, errors: _Errors, path: str) -> dict:
    if not isinstance(values, dict):
        errors.add(path, _l("Must be an object of settings."))
        values = {}
    known = {s.id: s for s in schema}
    for key in set(values) - set(known):
        errors.add(f"{path}.{key}", _l("Unknown setting."))
    out = {}
    for setting in schema:
        if setting.id not in values:
            out[setting.id] = setting.coerce(setting.default)
            continue
        try:
            out[setting.id] = setting.clean(values[setting.id], tenant_id)
        except SettingError as exc:
            errors.add(f"{path}.{setting.id}", exc.message)
            continue
        for kind, ref in setting.references(out[setting.id]):
            errors.references.append((f"{path}.{setting.id}", kind, ref))
    return out


def _order(order, ids: list, path: str, errors: _Errors) -> list:
    if not isinstance(order, list) or not all(isinstance(i, str) for i in order):
        errors.add(path, _l("Must be a list of ids."))
        return []
    duplicates = [i for i, n in Counter(order).items() if n > 1]
    unknown = [i for i in order if i not in ids]
    missing = [i for i in ids if i not in order]
    if duplicates:
        errors.add(path, _l("Lists %(ids)s more than once.", ids=", ".join(duplicates)))
    if unknown:
        errors.add(path, _l("Names %(ids)s, which do not exist.", ids=", ".join(unknown)))
    if missing:
        errors.add(path, _l("Leaves out %(ids)s.", ids=", ".join(missing)))
    return list(order) if not (duplicates or unknown or missing) else []


def _check_limits(sections: dict, errors: _Errors) -> None:
    counts = Counter(s.get("type") for s in sections.values() if s)
    for section_type, count in counts.items():
        schema = registry.get(section_type)
        if schema and schema.limit is not None and count > schema.limit:
            errors.add("sections", _l("A page holds at most %(max)s %(name)s section(s).", max=schema.limit,
                                      name=str(schema.name)))


def _check_references(errors: _Errors, check: ReferenceCheck | None) -> None:
    if not errors.references or check is None:
        return
    by_kind: dict[str, list[str]] = {}
    for _, kind, ref in errors.references:
        by_kind.setdefault(kind, []).append(ref)
    found = {kind: check(kind, ids) for kind, ids in by_kind.items()}
    messages = {"product": _l("This product does not exist in the store."),
                "category": _l("This category does not exist in the store."),
                "group": _l("This product group does not exist in the store.")}
    for path, kind, ref in errors.references:
        if ref not in found[kind]:
            errors.add(path, messages[kind])


# --- reading stored documents at render time ----------------------------------------------------


@dataclass
class BlockView:
    id: str
    type: str
    settings: dict


@dataclass
class SectionView:
    id: str
    type: str
    settings: dict
    blocks: list[BlockView]
    schema: SectionType
    data: dict = field(default_factory=dict)


def section_view(section_id: str, section: dict, schema: SectionType | None = None) -> SectionView | None:
    """A stored section, read tolerantly: settings coerced (defaults for what no longer fits, numbers
    clamped), unknown blocks dropped, at most the schema's block count. None for an unknown type."""
    schema = schema or registry.get(section.get("type"))
    if schema is None:
        return None
    settings = _coerce(section.get("settings") or {}, schema.settings)
    blocks = []
    stored = section.get("blocks") or {}
    for block_id in (section.get("block_order") or list(stored))[: min(schema.max_blocks, MAX_BLOCKS)]:
        block = stored.get(block_id)
        block_type = schema.block(block.get("type")) if isinstance(block, dict) else None
        if block_type is None or block.get("disabled"):
            continue
        blocks.append(BlockView(block_id, block_type.type, _coerce(block.get("settings") or {}, block_type.settings)))
    return SectionView(section_id, schema.type, settings, blocks, schema)


def _coerce(values: dict, schema: list[Setting]) -> dict:
    return {s.id: s.coerce(values[s.id]) if s.id in values else s.coerce(s.default) for s in schema}


def page_settings(document: dict) -> dict:
    return _coerce((document or {}).get("settings") or {}, PAGE_SETTINGS)


def empty_document() -> dict:
    return {"sections": {}, "order": [], "settings": _coerce({}, PAGE_SETTINGS)}
