"""The admin's HTML forms ↔ the services' input (the same shape the JSON API takes).

People type yuan ("12.30"); the services take fen. Spec values are typed in one box per spec,
separated by commas (, ，、) or new lines. The SKU table posts one row per combination, each
carrying its spec values as JSON in ``sku_key_N``.
"""

from __future__ import annotations

import json
import re

from flask_babel import lazy_gettext as _l

from kaidian.platform.errors import ValidationFailed
from kaidian.platform.money import BadAmount, fen_to_yuan, parse_yuan

from . import specs as spec_rules

SEPARATORS = re.compile(r"[,，、;；\n\r]+")
SKU_TEXT_FIELDS = ("price", "original_price", "stock", "weight_grams", "code", "barcode")


def spec_dimensions(form) -> list[dict]:
    dimensions = []
    for i in range(3):
        name = " ".join(form.get(f"spec_name_{i}", "").split())
        values = [v.strip() for v in SEPARATORS.split(form.get(f"spec_values_{i}", "")) if v.strip()]
        if name or values:
            dimensions.append({"name": name, "values": values})
    return dimensions


def _whole(text: str, field: str, errors: dict) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{1,9}", text):
        errors.setdefault(field, []).append(_l("Enter a whole number."))
        return None
    return int(text)


def _fen(text: str, field: str, errors: dict) -> int | None:
    if not text.strip():
        return None
    try:
        return parse_yuan(text)
    except BadAmount as exc:
        errors.setdefault(field, []).append(exc.message)
        return None


def submitted_rows(form) -> list[dict]:
    """The SKU table as posted: one dict per row, values still as typed."""
    rows = []
    for key in sorted((k for k in form if k.startswith("sku_key_")), key=lambda k: int(k.rsplit("_", 1)[1])):
        index = key.rsplit("_", 1)[1]
        try:
            values = [str(v) for v in json.loads(form[key])]
        except (ValueError, TypeError):
            continue
        row = {"values": values, "index": index}
        row.update({name: form.get(f"sku_{name}_{index}", "").strip() for name in SKU_TEXT_FIELDS})
        row["stock_shown"] = form.get(f"sku_stock_shown_{index}", "").strip()
        rows.append(row)
    return rows


def sku_entries(rows: list[dict]) -> tuple[list[dict], dict]:
    """Typed rows → the services' SKU entries (fen, integers) and field errors by form field name."""
    entries, errors = [], {}
    for row in rows:
        index = row["index"]
        entry = {"spec_values": row["values"], "code": row["code"] or None, "barcode": row["barcode"]}
        price = _fen(row["price"], f"sku_price_{index}", errors)
        if price is None and not row["price"]:
            errors.setdefault(f"sku_price_{index}", []).append(_l("Give a price."))
        entry["price"] = price
        entry["original_price"] = _fen(row["original_price"], f"sku_original_price_{index}", errors)
        stock = _whole(row["stock"], f"sku_stock_{index}", errors) or 0
        if row.get("stock_shown", "") == "" or stock != _whole(row["stock_shown"], "-", {}):
            entry["stock"] = stock  # untouched stock is not sent: an order taken meanwhile is not undone
        entry["weight_grams"] = _whole(row["weight_grams"], f"sku_weight_grams_{index}", errors) or 0
        entries.append(entry)
    if errors:
        errors["skus"] = [_l("Check the SKU table.")]
    return entries, errors


def read_product(form, group_ids: list[str], check) -> tuple[dict, dict]:
    """The product form → the services' input, and every error in it at once: what the form itself
    finds (amounts, whole numbers) and what ``check(data)`` (the service's schema) finds, keyed by the
    form's field names."""
    errors: dict = {}
    data = {
        "title": form.get("title", ""),
        "subtitle": form.get("subtitle", ""),
        "category_id": form.get("category_id") or None,
        "group_ids": group_ids,
        "description": form.get("description", ""),
        "status": "on_sale" if form.get("on_sale") else "off_sale",
        "specs": spec_dimensions(form),
    }
    threshold = _whole(form.get("low_stock_threshold", ""), "low_stock_threshold", errors)
    data["low_stock_threshold"] = 0 if threshold is None else threshold
    rows = submitted_rows(form)
    data["skus"], sku_errors = sku_entries(rows)
    errors.update(sku_errors)
    for name, messages in field_errors(check(data), rows).items():
        if name not in errors and not (name == "skus" and sku_errors):
            errors[name] = messages
    return data, errors


def field_errors(schema_errors: dict, rows: list[dict]) -> dict:
    """The schema's nested messages → lists of messages by form field (``skus.2.price`` →
    ``sku_price_<row>``; other nested messages flattened under their top-level field)."""
    out: dict = {}
    for name, messages in schema_errors.items():
        if name == "skus" and isinstance(messages, dict):
            for position, row_errors in messages.items():
                if isinstance(position, int) and position < len(rows) and isinstance(row_errors, dict):
                    for field, texts in row_errors.items():
                        out.setdefault(f"sku_{field}_{rows[position]['index']}", []).extend(_leaves(texts))
            out["skus"] = [_l("Check the SKU table.")]
        else:
            out[name] = _leaves(messages)
    return out


def _leaves(messages) -> list:
    if isinstance(messages, dict):
        return [text for value in messages.values() for text in _leaves(value)]
    if isinstance(messages, list | tuple):
        return [text for value in messages for text in _leaves(value)]
    return [messages]


def table_rows(dimensions: list[dict], typed: list[dict], skus=()) -> list[dict]:
    """The SKU table to show for ``dimensions``: every combination, filled with what was typed for
    it (or, failing that, the saved SKU's values)."""
    try:
        combinations = spec_rules.combinations(spec_rules.normalize(dimensions)) if dimensions else [()]
    except ValidationFailed:
        return typed
    typed_by_values = {tuple(row["values"]): row for row in typed}
    saved = {tuple(sku.spec_values): sku for sku in skus}
    rows = []
    for index, values in enumerate(combinations):
        row = typed_by_values.get(tuple(values)) or _saved_row(saved.get(tuple(values)))
        rows.append({**row, "values": list(values), "index": str(index)})
    return rows


def _saved_row(sku) -> dict:
    if sku is None:
        return {**dict.fromkeys(SKU_TEXT_FIELDS, ""), "stock_shown": ""}
    return {"price": fen_to_yuan(sku.price), "original_price": fen_to_yuan(sku.original_price),
            "stock": str(sku.stock), "weight_grams": str(sku.weight_grams or ""), "code": sku.code or "",
            "barcode": sku.barcode or "", "id": str(sku.id), "stock_shown": str(sku.stock)}


def values_text(dimension: dict) -> str:
    return ", ".join(dimension.get("values", []))
