"""Spec dimensions (颜色 × 尺码 …) and the SKUs generated from them.

A product has up to 3 dimensions of up to 20 values; its SKUs are their cartesian product (a
product without specs has exactly one SKU). A SKU is identified by its combination — the set of
``name=value`` pairs, so reordering dimensions or values keeps every SKU. Editing the specs keeps
the SKUs whose combination is unchanged (with their stock, price and code), creates the new ones and
retires the removed ones (kept for the ledger and orders, never sold again, code freed).
"""

from __future__ import annotations

import itertools
import json

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kaidian.platform.errors import ValidationFailed
from kaidian.platform.extensions import db
from kaidian.platform.models import utcnow

from . import stock
from .errors import SkuCodeTaken
from .models import Product, Sku
from .schemas import MAX_DIMENSIONS, MAX_SKUS, MAX_VALUES

SKU_FIELDS = ("price", "original_price", "weight_grams", "barcode")


def _tidy(text: str) -> str:
    return " ".join(str(text).split())


def normalize(specs: list[dict]) -> list[dict]:
    """Tidy spaces, drop repeated values; refuse empty or repeated names and too many SKUs."""
    result, problems = [], []
    for dimension in specs:
        name = _tidy(dimension.get("name", ""))
        values = list(dict.fromkeys(v for v in (_tidy(v) for v in dimension.get("values", [])) if v))
        if not name or not values:
            problems.append(_l("Each spec needs a name and at least one value."))
        elif name in {d["name"] for d in result}:
            problems.append(_l("Two specs are both named %(name)s.", name=name))
        elif len(values) > MAX_VALUES:
            problems.append(_l("A spec has at most %(n)s values.", n=MAX_VALUES))
        result.append({"name": name, "values": values})
    if len(result) > MAX_DIMENSIONS:
        problems.append(_l("A product has at most %(n)s specs.", n=MAX_DIMENSIONS))
    if not problems and count(result) > MAX_SKUS:
        problems.append(_l("These specs make %(count)s SKUs; at most %(max)s are allowed.",
                           count=count(result), max=MAX_SKUS))
    if problems:
        raise ValidationFailed(fields={"specs": problems})
    return result


def count(specs: list[dict]) -> int:
    total = 1
    for dimension in specs:
        total *= len(dimension["values"])
    return total


def combinations(specs: list[dict]) -> list[tuple[str, ...]]:
    """Every combination of values, first dimension slowest: [()] without specs."""
    return list(itertools.product(*(d["values"] for d in specs)))


def key_of(specs: list[dict], values) -> str:
    """The combination's identity, independent of the order of dimensions; "" without specs."""
    if not specs:
        return ""
    pairs = sorted(zip((d["name"] for d in specs), values, strict=True))
    return json.dumps(pairs, ensure_ascii=False, separators=(",", ":"))


def label_of(values) -> str:
    return " / ".join(values) or str(_l("Default"))


def _norm_code(code) -> str | None:
    code = _tidy(code or "")
    return code or None


def apply(product: Product, specs: list[dict], entries: list[dict], *, actor_id=None,
          stock_reason: str = "edit", fill_price: int | None = None) -> dict:
    """Make ``product``'s SKUs the cartesian product of ``specs``; ``entries`` (SKU fields keyed by
    ``spec_values``) update kept SKUs and give new ones their values. A new combination without an
    entry takes ``fill_price`` (imports) or is refused for lack of a price. Returns the counts."""
    specs = normalize(specs)
    by_key = _entries_by_key(specs, entries)
    existing = {sku.spec_key: sku for sku in product.active_skus}
    plan = []
    for values in combinations(specs):
        key = key_of(specs, values)
        plan.append((existing.pop(key, None), values, key, by_key.get(key, {})))
    _check_prices(plan, fill_price)
    _check_codes(plan, retiring=list(existing.values()))
    for sku in existing.values():
        retire(sku)
    if existing:
        db.session.flush()  # retired SKUs free their codes before new ones take them
    stock_changes = [_place(product, position, *item, fill_price) for position, item in enumerate(plan)]
    product.specs = specs
    db.session.flush()
    for sku, is_new, value in stock_changes:
        if value is None:
            continue
        if is_new:
            stock.adjust(sku, value, "initial", actor_id=actor_id)
        else:
            stock.set_stock(sku, value, stock_reason, actor_id=actor_id)
    created = sum(1 for _, is_new, _ in stock_changes if is_new)
    return {"created": created, "kept": len(plan) - created, "retired": len(existing)}


def _entries_by_key(specs: list[dict], entries: list[dict]) -> dict[str, dict]:
    wanted = {key_of(specs, values) for values in combinations(specs)}
    by_key = {}
    for entry in entries:
        values = tuple(_tidy(v) for v in entry.get("spec_values") or [])
        key = key_of(specs, values) if len(values) == len(specs) else None
        if key not in wanted:
            raise ValidationFailed(fields={"skus": [_l("%(label)s is not a combination of the specs.",
                                                       label=label_of(values))]})
        by_key[key] = entry
    return by_key


def _check_prices(plan, fill_price) -> None:
    missing = [label_of(values) for sku, values, _, entry in plan
               if sku is None and entry.get("price") is None and fill_price is None]
    if missing:
        raise ValidationFailed(fields={"skus": [_l("Give a price for %(labels)s.", labels=", ".join(missing[:5]))]})


def _check_codes(plan, retiring: list[Sku]) -> None:
    codes = []
    for sku, _, _, entry in plan:
        code = _norm_code(entry["code"]) if "code" in entry else (sku.code if sku else None)
        if code:
            codes.append(code)
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise ValidationFailed(fields={"skus": [_l("SKU code %(code)s is used twice.", code=repeated[0])]})
    mine = {sku.id for sku, *_ in plan if sku is not None} | {sku.id for sku in retiring}
    taken = codes_in_use(codes, exclude_ids=mine)
    if taken:
        raise SkuCodeTaken(_l("SKU code %(code)s is already used by another product.", code=taken[0]),
                           fields={"skus": [_l("SKU code %(code)s is already used by another product.",
                                               code=taken[0])]})


def codes_in_use(codes: list[str], exclude_ids=()) -> list[str]:
    if not codes:
        return []
    query = select(Sku.code).where(Sku.code.in_(codes), Sku.retired_at.is_(None))
    if exclude_ids:
        query = query.where(Sku.id.not_in(list(exclude_ids)))
    return sorted(db.session.execute(query).scalars())


def _place(product: Product, position: int, sku: Sku | None, values, key: str, entry: dict, fill_price):
    """Create or update one SKU; returns (sku, is_new, wanted stock or None)."""
    is_new = sku is None
    if is_new:
        price = entry.get("price")
        sku = Sku(spec_key=key, price=fill_price if price is None else price, stock=0)
        product.skus.append(sku)
    sku.spec_values, sku.position = list(values), position
    for name in SKU_FIELDS:
        if name in entry and (entry[name] is not None or name == "original_price"):
            setattr(sku, name, entry[name])
    if "code" in entry:
        sku.code = _norm_code(entry["code"])
    return sku, is_new, entry.get("stock")


def retire(sku: Sku) -> None:
    from .alerts import resolve_for

    sku.retired_at = utcnow()
    resolve_for(sku)


def sku_of(product: Product, sku_id) -> Sku:
    from kaidian.platform.errors import NotFound

    for sku in product.active_skus:
        if sku.id == sku_id:
            return sku
    raise NotFound()
