"""The section registry (CONVENTIONS 13): every section type a page may hold, in one mapping.

A section type is a Jinja template (``themes/sections/<type>.html``) plus a schema: typed settings
with defaults and limits, the block types it repeats (slides, icons, links …), where it may appear,
and presets the builder offers when a merchant adds one. ``describe()`` is the machine-readable
form served at ``GET /api/v1/theme/sections`` so the builder renders its forms generically.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from .settings import Setting, defaults

MAX_SECTIONS = 25  # per page
MAX_BLOCKS = 50  # per section, whatever its own max_blocks says
MAX_DOCUMENT_BYTES = 256 * 1024

# a page's handle, its address under /pages/ (1 to 40 lowercase letters, digits and inner hyphens);
# the kinds of page (home, product, …, custom) are declared in ``page_kinds``
HANDLE_PATTERN = r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?"

CATEGORIES = {
    "layout": _l("Layout"),
    "media": _l("Images and video"),
    "products": _l("Products"),
    "text": _l("Text"),
    "service": _l("Service"),
    "page": _l("Page content"),
}


@dataclass(frozen=True)
class BlockType:
    type: str
    name: Any
    settings: list[Setting]

    def describe(self) -> dict:
        return {"type": self.type, "name": str(self.name), "settings": [s.describe() for s in self.settings]}

    def setting(self, setting_id: str) -> Setting | None:
        return next((s for s in self.settings if s.id == setting_id), None)


@dataclass(frozen=True)
class SectionType:
    type: str
    name: Any
    category: str
    settings: list[Setting]
    blocks: list[BlockType] = field(default_factory=list)
    max_blocks: int = 0
    pages: tuple[str, ...] | None = None  # None: any page; otherwise the page kinds it belongs to
    limit: int | None = None  # how many a page may hold
    presets: list[dict] = field(default_factory=list)  # {"name", "settings", "blocks": [{"type", "settings"}]}
    loader: Callable | None = None  # (SectionView, RenderContext) -> dict of data for the template
    shopper_specific: bool = False  # shows the logged-in shopper: the page is never shared-cached
    description: Any = ""

    @property
    def template(self) -> str:
        return f"themes/sections/{self.type}.html"

    def block(self, block_type: str) -> BlockType | None:
        return next((b for b in self.blocks if b.type == block_type), None)

    def setting(self, setting_id: str) -> Setting | None:
        return next((s for s in self.settings if s.id == setting_id), None)

    def allowed_on(self, page_kind: str) -> bool:
        """Any page, a page kind it names, or a page kind that names it (``PageKind.sections``)."""
        from . import page_kinds

        return self.pages is None or page_kind in self.pages or page_kinds.allows(page_kind, self.type)

    def default_settings(self) -> dict:
        return defaults(self.settings)

    def describe(self) -> dict:
        return {
            "type": self.type,
            "name": str(self.name),
            "description": str(self.description),
            "category": self.category,
            "pages": list(self.pages) if self.pages is not None else None,
            "limit": self.limit,
            "max_blocks": min(self.max_blocks, MAX_BLOCKS),
            "shopper_specific": self.shopper_specific,
            "settings": [s.describe() for s in self.settings],
            "blocks": [b.describe() for b in self.blocks],
            "presets": [_describe_preset(p) for p in self.presets],
        }


def _describe_preset(preset: dict) -> dict:
    return {"name": str(preset["name"]), "settings": _plain(preset.get("settings", {})),
            "blocks": [{"type": b["type"], "settings": _plain(b.get("settings", {}))}
                       for b in preset.get("blocks", [])]}


def _plain(values: dict) -> dict:
    return {k: str(v) if isinstance(v, LazyString) else v for k, v in values.items()}


SECTIONS: dict[str, SectionType] = {}


def register(section: SectionType) -> SectionType:
    if section.type in SECTIONS and SECTIONS[section.type] is not section:
        raise ValueError(f"section type {section.type!r} registered twice")
    SECTIONS[section.type] = section
    return section


def get(section_type: str) -> SectionType | None:
    _load_library()
    return SECTIONS.get(section_type)


def all_sections() -> list[SectionType]:
    _load_library()
    return list(SECTIONS.values())


def add_templates(folder: str) -> None:
    """A folder of section templates (``themes/sections/<type>.html``) owned by another domain, for
    the section types it registers; searched after themes' own templates."""
    if folder not in TEMPLATE_FOLDERS:
        TEMPLATE_FOLDERS.append(folder)


TEMPLATE_FOLDERS: list[str] = []


def _load_library() -> None:
    from . import sections  # noqa: F401  (registers every section type on import)


def describe_library() -> dict:
    from . import page_kinds
    from .theme_schema import THEME

    return {
        "limits": {"max_sections": MAX_SECTIONS, "max_blocks": MAX_BLOCKS, "max_document_bytes": MAX_DOCUMENT_BYTES},
        "pages": [{"kind": kind.handle, "label": str(kind.label), "path": kind.path,
                   "private": page_kinds.is_private(kind.handle)} for kind in page_kinds.all_kinds()],
        "categories": [{"id": key, "label": str(label)} for key, label in CATEGORIES.items()],
        "sections": [s.describe() for s in all_sections()],
        "page_settings": [s.describe() for s in PAGE_SETTINGS],
        "theme": THEME.describe(),
    }


def _page_settings() -> list[Setting]:
    from .settings import ImageSetting, TextSetting

    return [
        TextSetting("title", _l("Page title"), max_length=60,
                    info=_l("Shown in the browser and WeChat share cards; empty uses the store name.")),
        TextSetting("description", _l("Description"), max_length=160, multiline=True,
                    info=_l("Shown under the title in WeChat share cards.")),
        ImageSetting("share_image", _l("Share image"), info=_l("A square image works best in WeChat.")),
    ]


PAGE_SETTINGS: list[Setting] = _page_settings()
