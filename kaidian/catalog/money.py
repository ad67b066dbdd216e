"""Money is integer fen. People read and type yuan ("12.30"); these convert exactly, never via float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MAX_FEN = 100_000_000_00  # ¥100,000,000: more is a typo, not a price


class BadAmount(ValueError):
    pass


def yuan_to_fen(text) -> int:
    """``"12.3"`` → 1230. Refuses more than two decimals, negatives, and absurd amounts."""
    raw = str(text).strip().replace(",", "").replace("¥", "").replace("￥", "")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise BadAmount(raw) from None
    if not value.is_finite() or value < 0 or value.as_tuple().exponent < -2:
        raise BadAmount(raw)
    fen = int(value * 100)
    if fen > MAX_FEN:
        raise BadAmount(raw)
    return fen


def fen_to_yuan(fen: int | None) -> str:
    """1230 → ``"12.30"`` (no currency sign); None → ``""``."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole}.{cents:02d}"


def format_yuan(fen: int | None) -> str:
    """1230 → ``"¥12.30"``."""
    return "" if fen is None else "¥" + fen_to_yuan(fen)


def change_by_percent(fen: int, percent: Decimal) -> int:
    """A price changed by ``percent`` (e.g. -10 for 10% off), rounded half-up to the fen,
    never below 1 fen."""
    new = (Decimal(fen) * (Decimal(100) + percent) / Decimal(100)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(1, min(int(new), MAX_FEN))
