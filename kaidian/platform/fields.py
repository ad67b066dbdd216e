"""The field types every schema uses, so one rule about input holds everywhere (JSON API, HTML forms
through the services, imports).

* ``Text``: a string that refuses control characters (NUL cannot be stored by PostgreSQL at all; the
  others are never typed by a person), is trimmed, and whose ``min_length``/``max_length`` count the
  trimmed text, so ``"   "`` is never a name. Its OpenAPI description (``pattern``, ``maxLength``)
  states exactly what it accepts.
* ``Int``: a strict integer (``1.5`` and ``"1"`` are refused in JSON) within bounds that default to
  the range of a 32-bit ``INTEGER`` column, so no value reaches the database that it cannot hold.
* ``Number``: an exact decimal whose documented bounds are numbers.
"""

from __future__ import annotations

import decimal
import re

from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate

INT32_MAX = 2**31 - 1  # PostgreSQL INTEGER
INT64_MAX = 2**63 - 1  # PostgreSQL BIGINT

# C0 controls except tab, line feed and carriage return, and DEL.
CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
CONTROL_RE = re.compile(f"[{CONTROL}]")
_ANY = f"[^{CONTROL}]"  # an allowed character
_SPACE = rf"[^\S{CONTROL}]"  # allowed whitespace (trimmed away)
_SOLID = rf"[^\s{CONTROL}]"  # an allowed character that is not whitespace


def text_pattern(min_length: int, trim: bool = True) -> str:
    """The regular expression (JSON Schema ``pattern``) of what ``Text(min_length=…)`` accepts: no
    control characters and at least ``min_length`` characters once surrounding whitespace is trimmed."""
    if not trim:
        return f"^{_ANY}{{{min_length},}}$"
    if min_length <= 0:
        return f"^{_ANY}*$"
    if min_length == 1:
        return f"^{_SPACE}*{_SOLID}(?:{_ANY}*{_SOLID})?{_SPACE}*$"
    return f"^{_SPACE}*{_SOLID}{_ANY}{{{min_length - 2},}}{_SOLID}{_SPACE}*$"


def has_control_characters(value: str) -> bool:
    return CONTROL_RE.search(value) is not None


class Text(fields.String):
    """Trimmed text without control characters; ``min_length=1`` means "not blank". ``trim=False``
    keeps surrounding whitespace (passwords). ``pattern`` (an unanchored regular expression the whole
    trimmed value must match) gives text with a fixed shape; it is documented with the surrounding
    whitespace that trimming removes."""

    def __init__(self, max_length: int, min_length: int = 0, *, trim: bool = True, pattern: str | None = None,
                 pattern_error=None, **kwargs):
        self.max_length, self.min_length, self.trim = max_length, min_length, trim
        self.pattern = re.compile(pattern) if pattern else None
        self.pattern_error = pattern_error
        documented = text_pattern(min_length, trim)
        if pattern:
            documented = f"^{_SPACE}*(?:{pattern}){_SPACE}*$" if trim else f"^(?:{pattern})$"
        metadata = {"maxLength": max_length, "pattern": documented}
        if min_length:
            metadata["minLength"] = min_length
        metadata.update(kwargs.pop("metadata", {}))  # a rule checked elsewhere may document itself here
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        value = super()._deserialize(value, attr, data, **kwargs)
        if len(value) > self.max_length:
            raise ValidationError(_("Must be at most %(max)s characters.", max=self.max_length))
        if has_control_characters(value):
            raise ValidationError(_("Must not contain control characters."))
        if self.trim:
            value = value.strip()
        if self.pattern is not None and not self.pattern.fullmatch(value):
            raise ValidationError(str(self.pattern_error or _("Not in the expected format.")))
        if self.min_length and not value:
            raise ValidationError(_("Must not be blank."))
        if len(value) < self.min_length:
            raise ValidationError(_("Must be at least %(min)s characters.", min=self.min_length))
        return value


class Int(fields.Integer):
    """An integer within ``[min, max]`` (by default what a 32-bit column holds); strict unless read
    from a query string, where every value is text."""

    def __init__(self, min: int = -INT32_MAX - 1, max: int = INT32_MAX, *, strict: bool = True, **kwargs):
        validators = [validate.Range(min=min, max=max), *_as_list(kwargs.pop("validate", None))]
        super().__init__(strict=strict, validate=validators, **kwargs)


class Number(fields.Decimal):
    """An exact decimal within ``[min, max]``, documented with numeric bounds."""

    def __init__(self, min, max, *, places: int = 2, **kwargs):
        metadata = {"minimum": min, "maximum": max, **kwargs.pop("metadata", {})}
        super().__init__(places=places, validate=validate.Range(min=decimal.Decimal(min), max=decimal.Decimal(max)),
                         metadata=metadata, **kwargs)


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]
