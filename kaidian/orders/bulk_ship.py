"""Shipping many orders from a CSV file: one row per order — order number, carrier code (or the
carrier's Chinese name), tracking number; a header row is optional.

The file is bounded (``MAX_BYTES``, ``MAX_ROWS``) and read in the request (it is small: a few
hundred rows). Each row runs in its own savepoint through ``services.ship`` (the order's lock, the
state machine, the timeline and ``order.shipped``), so a refused row leaves nothing behind and the
others go on; the caller's unit of work commits the shipped ones together. Each row's outcome is
``shipped`` or ``skipped`` with the reason. Written here (not with the catalog's import machinery):
three columns and a few hundred rows need no job, and the merchant wants the answer on the page.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kaidian.platform import shipping_trace
from kaidian.platform.errors import AppError, ValidationFailed
from kaidian.platform.extensions import db
from kaidian.platform.storage import read_upload
from kaidian.platform.unit import atomic, unit

from . import services, states
from .models import Order

MAX_BYTES = 256 * 1024
MAX_ROWS = 500
HEADER_WORDS = ("order", "订单")


@dataclass
class RowResult:
    line: int
    number: str
    outcome: str  # shipped | skipped
    reason: str = ""


def _refuse(message) -> ValidationFailed:
    return ValidationFailed(message, fields={"file": [message]})


def read_rows(upload) -> list[tuple[int, list[str]]]:
    """(line number, cells) of the file's data rows; the whole file refused with the reason otherwise."""
    if upload is None or not getattr(upload, "filename", ""):
        raise _refuse(_l("Choose a CSV file."))
    data = read_upload(upload, max_bytes=MAX_BYTES)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")  # Excel on a Chinese Windows saves CSV in GBK
        except UnicodeDecodeError:
            raise _refuse(_l("The file is not a CSV text file (UTF-8 or GBK).")) from None
    if "\x00" in text:
        raise _refuse(_l("The file is not a CSV text file (UTF-8 or GBK)."))
    rows = [(number, [cell.strip() for cell in cells]) for number, cells in enumerate(csv.reader(io.StringIO(text)), 1)
            if any(cell.strip() for cell in cells)]
    if rows and any(word in rows[0][1][0].lower() for word in HEADER_WORDS):
        rows = rows[1:]
    if not rows:
        raise _refuse(_l("The file has no rows."))
    if len(rows) > MAX_ROWS:
        raise _refuse(_l("At most %(max)s rows in one file.", max=MAX_ROWS))
    return rows


def carrier_code(text: str) -> str | None:
    """A carrier code from its code (any letter case) or its Chinese or English name."""
    text = text.strip()
    if text.upper() in shipping_trace.CARRIERS:
        return text.upper()
    return next((c.code for c in shipping_trace.CARRIERS.values() if text in c.names()), None)


@atomic
def ship_rows(upload, actor_id: uuid.UUID | None) -> list[RowResult]:
    """Ship each row's order (each in a savepoint); the outcome of every row."""
    results, seen = [], set()
    for line, cells in read_rows(upload):
        number, carrier, tracking = (cells + ["", "", ""])[:3]
        results.append(_one(line, number, carrier, tracking, seen, actor_id))
    return results


def _one(line: int, number: str, carrier: str, tracking: str, seen: set, actor_id) -> RowResult:
    def skipped(reason) -> RowResult:
        return RowResult(line, number, "skipped", str(reason))

    if not number:
        return skipped(_("No order number."))
    if number in seen:
        return skipped(_("The same order is on an earlier row."))
    found = db.session.execute(select(Order.id, Order.delivery_method).where(Order.number == number)).first()
    if found is None:
        return skipped(_("No such order in this store."))
    if found.delivery_method != "express":
        return skipped(_("A pickup order is handed over in the store: ship it from its page."))
    code = carrier_code(carrier)
    if code is None:
        return skipped(_("Unknown carrier “%(carrier)s”: use a code such as SF, ZTO, YTO, YD, STO, JD or EMS.",
                         carrier=carrier[:20]))
    try:
        with unit(savepoint=True):
            services.ship(found.id, {"carrier_code": code, "tracking_number": tracking}, actor_id)
    except AppError as exc:
        if isinstance(exc, states.IllegalTransition):
            return skipped(exc.message)
        problems = [str(m) for messages in (exc.fields or {}).values() for m in messages]
        return skipped(" ".join(problems) or exc.message)
    seen.add(number)
    return RowResult(line, number, "shipped")
