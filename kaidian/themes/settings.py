"""Typed settings: the fields a section, a block or the theme exposes to the builder.

Each type knows how to describe itself as JSON (``describe``), how to check a value a merchant
saves (``clean``: refuses with a ``SettingError`` or returns the normalized value) and how to read
a stored value at render time (``coerce``: never fails; a value that no longer fits the schema
falls back to the default, numbers are clamped). References to catalog rows (products, categories,
groups) are collected by ``references`` and checked against the store in one query per kind.
"""

from __future__ import annotations

import math
import re
import uuid
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from kaidian.platform import richtext


class SettingError(ValueError):
    """A value does not fit its setting; ``message`` is person-facing (lazy)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _text(value) -> str:
    return str(value) if value is not None else ""


class Setting:
    type: ClassVar[str] = ""

    def __init__(self, id: str, label, default: Any = None, info=None):
        self.id, self.label, self.info = id, label, info
        self.default = self.empty() if default is None else default

    def empty(self):
        return ""

    def describe(self) -> dict:
        out = {"id": self.id, "type": self.type, "label": _text(self.label), "default": _copy(self.default)}
        if self.info:
            out["info"] = _text(self.info)
        out.update(self.limits())
        return out

    def limits(self) -> dict:
        return {}

    def clean(self, value, tenant_id: uuid.UUID | None):
        raise NotImplementedError

    def coerce(self, value):
        try:
            return self.clean(_copy(value), None)
        except SettingError:
            return _copy(self.default)

    def references(self, value) -> list[tuple[str, str]]:
        """(kind, id) pairs this value points at: checked against the store on save."""
        return []


class TextSetting(Setting):
    type = "text"

    def __init__(self, id, label, default="", max_length: int = 80, multiline: bool = False, placeholder=None,
                 info=None):
        self.max_length, self.multiline, self.placeholder = max_length, multiline, placeholder
        super().__init__(id, label, default, info)

    def limits(self) -> dict:
        out = {"max_length": self.max_length, "multiline": self.multiline}
        if self.placeholder:
            out["placeholder"] = _text(self.placeholder)
        return out

    def clean(self, value, tenant_id):
        if not isinstance(value, str):
            raise SettingError(_l("Must be text."))
        value = value.replace("\r\n", "\n")
        if not self.multiline:
            value = " ".join(value.split("\n"))
        if any(ord(c) < 32 and c not in "\n\t" for c in value):
            raise SettingError(_l("Must not contain control characters."))
        if len(value) > self.max_length:
            raise SettingError(_l("Must be at most %(max)s characters.", max=self.max_length))
        return value.strip()


class RichTextSetting(Setting):
    type = "richtext"

    def __init__(self, id, label, default="", max_length: int = 5000, info=None):
        self.max_length = max_length
        super().__init__(id, label, default, info)

    def limits(self) -> dict:
        return {"max_length": self.max_length, "allowed_tags": sorted(richtext.TAGS)}

    def clean(self, value, tenant_id):
        if not isinstance(value, str):
            raise SettingError(_l("Must be text."))
        if len(value) > self.max_length:
            raise SettingError(_l("Must be at most %(max)s characters.", max=self.max_length))
        return richtext.clean(value)


class ImageSetting(Setting):
    """A media key of this store (``t/<tenant id>/…``), uploaded through the theme image API; or empty."""

    type = "image"
    KEY_RE = re.compile(r"^t/[0-9a-f-]{36}/[a-z0-9_/-]{1,120}\.(?:jpg|jpeg|png|webp|gif)$")

    def limits(self) -> dict:
        return {"upload": "/api/v1/theme/images"}

    def clean(self, value, tenant_id):
        if not isinstance(value, str):
            raise SettingError(_l("Must be an image key."))
        if value == "":
            return ""
        if not self.KEY_RE.match(value) or ".." in value:
            raise SettingError(_l("Not an image of this store."))
        if tenant_id is not None and not value.startswith(f"t/{tenant_id}/"):
            raise SettingError(_l("Not an image of this store."))
        return value


class ColorSetting(Setting):
    type = "color"
    HEX_RE = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")

    def __init__(self, id, label, default="", allow_empty: bool = True, info=None):
        self.allow_empty = allow_empty
        super().__init__(id, label, default, info)

    def limits(self) -> dict:
        return {"allow_empty": self.allow_empty}

    def clean(self, value, tenant_id):
        if not isinstance(value, str):
            raise SettingError(_l("Must be a colour such as #ff5000."))
        if value == "" and self.allow_empty:
            return ""
        if not self.HEX_RE.match(value):
            raise SettingError(_l("Must be a colour such as #ff5000."))
        value = value.lower()
        if len(value) == 4:
            value = "#" + "".join(c * 2 for c in value[1:])
        return value


class RangeSetting(Setting):
    """An integer on a slider: ``min``..``max`` in steps of ``step``, shown with ``unit``."""

    type = "range"

    def __init__(self, id, label, default, min: int, max: int, step: int = 1, unit: str = "", info=None):
        self.min, self.max, self.step, self.unit = min, max, step, unit
        super().__init__(id, label, default, info)

    def limits(self) -> dict:
        return {"min": self.min, "max": self.max, "step": self.step, "unit": self.unit}

    def _number(self, value) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise SettingError(_l("Must be a number."))
        if value != int(value):
            raise SettingError(_l("Must be a whole number."))
        return int(value)

    def clean(self, value, tenant_id):
        value = self._number(value)
        if not self.min <= value <= self.max:
            raise SettingError(_l("Must be between %(min)s and %(max)s.", min=self.min, max=self.max))
        return self.min + round((value - self.min) / self.step) * self.step

    def coerce(self, value):
        try:
            value = self._number(value)
        except SettingError:
            return self.default
        return max(self.min, min(self.max, value))


class NumberSetting(RangeSetting):
    type = "number"

    def limits(self) -> dict:
        return {"min": self.min, "max": self.max, "unit": self.unit}


class SelectSetting(Setting):
    type = "select"

    def __init__(self, id, label, default, options: list[tuple[str, Any]], info=None):
        self.options = options
        super().__init__(id, label, default, info)

    def limits(self) -> dict:
        return {"options": [{"value": value, "label": _text(label)} for value, label in self.options]}

    def clean(self, value, tenant_id):
        if value not in {v for v, _ in self.options}:
            raise SettingError(_l("Choose one of the options."))
        return value


class CheckboxSetting(Setting):
    type = "checkbox"

    def empty(self):
        return False

    def clean(self, value, tenant_id):
        if not isinstance(value, bool):
            raise SettingError(_l("Must be true or false."))
        return value


class _RowSetting(Setting):
    """One catalog row, by id (a UUID string), or empty."""

    kind = ""

    def clean(self, value, tenant_id):
        if value in ("", None):
            return ""
        return _uuid_text(value)

    def references(self, value) -> list[tuple[str, str]]:
        return [(self.kind, value)] if value else []


def _uuid_text(value) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise SettingError(_l("Not a valid id.")) from None


class ProductSetting(_RowSetting):
    type = kind = "product"


class CategorySetting(_RowSetting):
    type = kind = "category"


class GroupSetting(_RowSetting):
    type = kind = "group"


class ProductListSetting(Setting):
    type = "product_list"

    def __init__(self, id, label, default=None, max_items: int = 24, info=None):
        self.max_items = max_items
        super().__init__(id, label, default, info)

    def empty(self):
        return []

    def limits(self) -> dict:
        return {"max_items": self.max_items}

    def clean(self, value, tenant_id):
        if not isinstance(value, list):
            raise SettingError(_l("Must be a list of products."))
        if len(value) > self.max_items:
            raise SettingError(_l("Choose at most %(max)s products.", max=self.max_items))
        ids = [_uuid_text(v) for v in value]
        if len(set(ids)) != len(ids):
            raise SettingError(_l("A product is listed twice."))
        return ids

    def references(self, value) -> list[tuple[str, str]]:
        return [("product", v) for v in value]


SAFE_PATH_RE = re.compile(r"^/[A-Za-z0-9\-._~/?#\[\]@!$&'()*+,;=%]*$")
WEB_URL_RE = re.compile(r"^https?://[A-Za-z0-9.-]+(?::\d+)?(?:/[A-Za-z0-9\-._~/?#\[\]@!$&'()*+,;=%]*)?$")
TEL_RE = re.compile(r"^tel:\+?[0-9-]{3,20}$")


class LinkSetting(Setting):
    """Where a tap goes: a path on the store (``/products/…``, ``/pages/…``), an http(s) URL or ``tel:``."""

    type = "link"

    def limits(self) -> dict:
        return {"max_length": 300, "schemes": ["/", "https://", "http://", "tel:"]}

    def clean(self, value, tenant_id):
        if not isinstance(value, str):
            raise SettingError(_l("Must be a link."))
        value = value.strip()
        if value == "":
            return ""
        if len(value) > 300:
            raise SettingError(_l("Must be at most %(max)s characters.", max=300))
        if value.startswith("//") or "\\" in value:
            raise SettingError(_l("Use a path such as /categories, an http(s) address or tel:."))
        if SAFE_PATH_RE.match(value) or WEB_URL_RE.match(value) or TEL_RE.match(value):
            return value
        raise SettingError(_l("Use a path such as /categories, an http(s) address or tel:."))


class UrlSetting(Setting):
    type = "url"

    def limits(self) -> dict:
        return {"max_length": 500, "schemes": ["https://", "http://"]}

    def clean(self, value, tenant_id):
        if not isinstance(value, str):
            raise SettingError(_l("Must be a web address."))
        value = value.strip()
        if value == "":
            return ""
        if len(value) > 500 or not WEB_URL_RE.match(value):
            raise SettingError(_l("Must be an http(s) web address."))
        return value


SETTING_TYPES: dict[str, type[Setting]] = {
    cls.type: cls
    for cls in (TextSetting, RichTextSetting, ImageSetting, ColorSetting, RangeSetting, NumberSetting,
                SelectSetting, CheckboxSetting, ProductSetting, ProductListSetting, CategorySetting,
                GroupSetting, LinkSetting, UrlSetting)
}


def defaults(settings: list[Setting]) -> dict:
    return {s.id: _copy(s.default) for s in settings}


def _copy(value):
    """A fresh default: lists copied, lazy strings resolved in the current locale."""
    if isinstance(value, list):
        return list(value)
    return str(value) if isinstance(value, LazyString) else value
