"""Money: an integer number of fen (分), parsed and formatted in one place. Never floats.

* ``parse_yuan("1,234.5")`` → 123450: what people type (yuan, up to two decimals, an optional ¥ and
  thousands commas) — anything else raises ``BadAmount`` with a reason and a message for a person;
* ``format_yuan(123450)`` → ``"¥1,234.50"`` (the ``yuan`` Jinja filter, and ``*_text`` fields in
  the API); ``fen_to_yuan`` → ``"1234.50"`` (form inputs, spreadsheets);
* ``Money``: an amount for arithmetic. ``Money + Money``, ``Money - Money``, ``Money * int``;
  anything else — a float above all, or a bare int (fen or yuan?) — raises ``TypeError``;
* ``FenField``: the marshmallow field of an amount in fen (a strict integer, 0…``MAX_FEN``).

``MAX_FEN`` is the one bound on an amount (columns holding fen are ``BigInteger``).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

MAX_FEN = 100_000_000_00  # ¥100,000,000: more is a typo, not a price
MAX_TEXT = 32  # longer input is not an amount

_PLAIN = re.compile(r"(?P<whole>[0-9]{1,12})(?:\.(?P<cents>[0-9]{1,2}))?")
_GROUPED = re.compile(r"(?P<whole>[0-9]{1,3}(?:,[0-9]{3})+)(?:\.(?P<cents>[0-9]{1,2}))?")
_DECIMAL = re.compile(r"-?[0-9,]*(?:\.[0-9]*)?")

REASONS = {
    "empty": _l("Enter an amount."),
    "not_a_number": _l("Enter an amount in yuan, like 12.30."),
    "too_precise": _l("An amount has at most two decimals (fen)."),
    "negative": _l("An amount cannot be negative."),
    "too_large": _l("An amount is at most ¥100,000,000."),
}


class BadAmount(ValueError):
    """Input that is not an amount; ``reason`` is a key of ``REASONS``, ``message`` says it to a person."""

    def __init__(self, text, reason: str):
        super().__init__(f"{reason}: {str(text)[:MAX_TEXT]!r}")
        self.text, self.reason = text, reason

    @property
    def message(self):
        return REASONS[self.reason]


def parse_yuan(text) -> int:
    """``"12.3"`` → 1230 fen. Surrounding spaces are ignored; a leading ¥ and thousands commas are
    allowed; nothing else (no exponent, sign, inner spaces, non-ASCII digits or control characters)."""
    if not isinstance(text, str):
        raise BadAmount(text, "not_a_number")
    raw = text.strip(" \t\r\n")
    if raw[:1] in ("¥", "￥"):
        raw = raw[1:]
    if not raw:
        raise BadAmount(text, "empty")
    match = (_PLAIN.fullmatch(raw) or _GROUPED.fullmatch(raw)) if len(raw) <= MAX_TEXT else None
    if match is None:
        raise BadAmount(text, _reason(raw))
    fen = int(match["whole"].replace(",", "")) * 100 + int((match["cents"] or "0").ljust(2, "0"))
    if fen > MAX_FEN:
        raise BadAmount(text, "too_large")
    return fen


def _reason(raw: str) -> str:
    """Why a string that is not an amount was refused, as precisely as it can be told."""
    if not raw.isascii() or not _DECIMAL.fullmatch(raw):
        return "not_a_number"
    if raw.startswith("-") and any(c.isdigit() for c in raw):
        return "negative"
    whole, _, cents = raw.partition(".")
    if len(cents) > 2 and whole.replace(",", "").isdigit() and cents.isdigit():
        return "too_precise"
    if whole.replace(",", "").isdigit() and len(whole.replace(",", "")) > 12:
        return "too_large"
    return "not_a_number"


def _fen(value) -> int:
    if isinstance(value, Money):
        return value.fen
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"an amount is whole fen, not {type(value).__name__}")
    return value


def fen_to_yuan(fen) -> str:
    """1230 → ``"12.30"`` (no sign, no grouping: for inputs); None → ``""``."""
    if fen is None:
        return ""
    fen = _fen(fen)
    whole, cents = divmod(abs(fen), 100)
    return f"{'-' if fen < 0 else ''}{whole}.{cents:02d}"


def format_yuan(fen, whole: bool = False, symbol: bool = True) -> str:
    """123450 → ``"¥1,234.50"``; ``whole=True`` drops ``.00`` (plan prices: ``"¥2,980"``);
    ``symbol=False`` leaves out the ¥ (a template that styles it apart); None → ``""``."""
    if fen is None:
        return ""
    fen = _fen(fen)
    yuan, cents = divmod(abs(fen), 100)
    text = f"{'-' if fen < 0 else ''}{'¥' if symbol else ''}{yuan:,}"
    return text if whole and cents == 0 else f"{text}.{cents:02d}"


class Money:
    """An amount of fen for arithmetic that cannot mix in floats (or unlabelled ints)."""

    __slots__ = ("fen",)

    def __init__(self, fen: int):
        if isinstance(fen, bool) or not isinstance(fen, int):
            raise TypeError(f"Money takes whole fen (int), not {type(fen).__name__}")
        object.__setattr__(self, "fen", fen)

    def __setattr__(self, name, value):
        raise AttributeError("Money is immutable")

    @classmethod
    def parse(cls, text) -> Money:
        return cls(parse_yuan(text))

    def __add__(self, other):
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.fen + other.fen)

    def __sub__(self, other):
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.fen - other.fen)

    def __mul__(self, factor):
        if isinstance(factor, bool) or not isinstance(factor, int):
            return NotImplemented
        return Money(self.fen * factor)

    __rmul__ = __mul__

    def __neg__(self):
        return Money(-self.fen)

    def __eq__(self, other):
        return isinstance(other, Money) and other.fen == self.fen

    def __lt__(self, other):
        if not isinstance(other, Money):
            return NotImplemented
        return self.fen < other.fen

    def __le__(self, other):
        return self == other or self < other

    def __hash__(self):
        return hash(("Money", self.fen))

    def __bool__(self):
        return self.fen != 0

    def __repr__(self):
        return f"Money({self.fen})"

    def __str__(self):
        return format_yuan(self.fen)

    def changed_by_percent(self, percent: Decimal) -> Money:
        """Changed by ``percent`` (e.g. ``Decimal(-10)`` for 10% off), rounded half-up to the fen, kept
        within 1 fen … ``MAX_FEN``."""
        if not isinstance(percent, Decimal):
            raise TypeError("a percentage is a Decimal, not a float")
        new = (Decimal(self.fen) * (Decimal(100) + percent) / Decimal(100)).quantize(Decimal(1), ROUND_HALF_UP)
        return Money(max(1, min(int(new), MAX_FEN)))


def change_by_percent(fen: int, percent: Decimal) -> int:
    """A price in fen changed by ``percent`` (see ``Money.changed_by_percent``)."""
    return Money(fen).changed_by_percent(percent).fen


def FenField(**kwargs) -> fields.Integer:  # noqa: N802 (a field factory, named like the fields it makes)
    """An amount in fen in a marshmallow schema: a strict integer, 0 … ``MAX_FEN``."""
    return fields.Integer(strict=True, validate=validate.Range(min=0, max=MAX_FEN), **kwargs)


def yuan_text(attribute: str) -> fields.Function:
    """A dump-only API field: the amount in ``attribute`` (fen) formatted, ``"¥1,234.50"``."""

    def dump(obj):
        value = obj.get(attribute) if isinstance(obj, dict) else getattr(obj, attribute, None)
        return format_yuan(value) if value is not None else None

    return fields.Function(dump, dump_only=True, metadata={"description": f"{attribute}, formatted (¥1,234.50)"})


def init_app(app) -> None:
    """The ``yuan`` (``¥1,234.50``; ``yuan(whole=True)``: ``¥2,980``) and ``yuan_plain`` filters."""
    app.add_template_filter(format_yuan, "yuan")
    app.add_template_filter(fen_to_yuan, "yuan_plain")
