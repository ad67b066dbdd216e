"""Freight: a pure function from order lines and a destination to the express fee, and the lookup of
the templates that feed it.

A template charges **by piece** or **by weight** (grams): the first ``first_units`` cost
``first_fen``, each further ``extra_units`` (or part of them: weight rounds **up**) costs
``extra_fen``. Its ``areas`` each list region codes (province, city or district codes of China's
administrative divisions as ``customers/regions.py`` gives them: province 2 digits, city 4, district 6;
a destination matches its most specific code first) — an area without
regions covers every region not listed in another area — and may be free above an amount
(``free_above_fen``) or a quantity (``free_above_quantity``) of that template's goods. A region in
``excluded`` (or covered by no area) is not delivered to.

**Several templates in one order** (Youzan's rule): lines are grouped by template; a group whose
area is free costs nothing; among the others the group with the **highest first price** is charged
its first price plus its extra units, and every other group is charged **only its extra rate, for
all its units** (the first unit is charged once per order, at the highest first price). Lines of
products without a template use the store's default template; with no default template at all,
delivery is free.

Written here rather than taken from a library: no maintained package computes Chinese e-commerce
freight templates, and the rule is a few lines of arithmetic that must be exact in fen.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import bindparam, select

from kaidian.platform.extensions import db
from kaidian.platform.memo import TenantMemo

from .models import FreightTemplate

PIECE, WEIGHT = "piece", "weight"


@dataclass(frozen=True)
class Area:
    regions: tuple[str, ...] = ()
    first_units: int = 1
    first_fen: int = 0
    extra_units: int = 1
    extra_fen: int = 0
    free_above_fen: int | None = None
    free_above_quantity: int | None = None


@dataclass(frozen=True)
class Template:
    key: str
    method: str
    areas: tuple[Area, ...]
    excluded: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Line:
    template: Template | None
    quantity: int
    weight_grams: int = 0  # of one unit
    amount_fen: int = 0  # of the whole line


@dataclass(frozen=True)
class Destination:
    province_code: str
    city_code: str = ""
    district_code: str = ""

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(code for code in (self.district_code, self.city_code, self.province_code) if code)


@dataclass
class Quote:
    fen: int = 0
    undelivered: list[int] = field(default_factory=list)  # indexes of lines that cannot be delivered

    @property
    def deliverable(self) -> bool:
        return not self.undelivered


def area_for(template: Template, destination: Destination) -> Area | None:
    """The area of ``template`` that covers ``destination`` (None: not delivered there)."""
    codes = destination.codes
    if any(code in template.excluded for code in codes):
        return None
    for code in codes:
        for area in template.areas:
            if code in area.regions:
                return area
    return next((area for area in template.areas if not area.regions), None)


def _extra(area: Area, units: int) -> int:
    if units <= 0 or area.extra_units <= 0:
        return 0
    return -(-units // area.extra_units) * area.extra_fen  # each started step costs a full step


def compute(lines: list[Line], destination: Destination) -> Quote:
    """The express fee of ``lines`` to ``destination`` (see the module's rule)."""
    quote = Quote()
    groups: dict[str, dict] = {}
    for index, line in enumerate(lines):
        if line.template is None:
            continue  # no template anywhere: free
        area = area_for(line.template, destination)
        if area is None:
            quote.undelivered.append(index)
            continue
        group = groups.setdefault(line.template.key, {"template": line.template, "area": area,
                                                      "quantity": 0, "units": 0, "amount": 0})
        group["quantity"] += line.quantity
        group["units"] += line.quantity * (line.weight_grams if line.template.method == WEIGHT else 1)
        group["amount"] += line.amount_fen
    charged = [g for g in groups.values() if not _free(g)]
    if not charged or quote.undelivered:
        return quote
    leader = max(charged, key=lambda g: g["area"].first_fen)  # the first of equals, in line order
    fee = leader["area"].first_fen + _extra(leader["area"], leader["units"] - leader["area"].first_units)
    fee += sum(_extra(g["area"], g["units"]) for g in charged if g is not leader)
    quote.fen = fee
    return quote


def _free(group: dict) -> bool:
    area = group["area"]
    return ((area.free_above_fen is not None and group["amount"] >= area.free_above_fen)
            or (area.free_above_quantity is not None and group["quantity"] >= area.free_above_quantity))


# --- from the database ---------------------------------------------------------------------------


def template_of(row) -> Template:
    """A template from a ``FreightTemplate`` or a row of its columns."""
    areas = tuple(Area(regions=tuple(a.get("regions") or ()), first_units=a["first_units"], first_fen=a["first_fen"],
                       extra_units=a["extra_units"], extra_fen=a["extra_fen"],
                       free_above_fen=a.get("free_above_fen"), free_above_quantity=a.get("free_above_quantity"))
                  for a in row.areas or [])
    return Template(str(row.id), row.method, areas, frozenset(row.excluded_regions or ()))


def templates_for(template_ids: Iterable[uuid.UUID | None]) -> tuple[dict[uuid.UUID, Template], Template | None]:
    """The named templates of the current store, and its default one (memoised per store and set of
    ids, ``platform/memo.py``: a template saved here is seen at once, elsewhere within seconds)."""
    wanted = frozenset(tid for tid in template_ids if tid is not None)
    return _MEMO.get(wanted, lambda: _read_templates(wanted))


def _read_templates(wanted: frozenset) -> tuple[dict[uuid.UUID, Template], Template | None]:
    rows = db.session.execute(_templates_statement(), {"ids": list(wanted)}).all()
    by_id = {row.id: template_of(row) for row in rows}
    default = next((by_id[row.id] for row in rows if row.is_default), None)
    return by_id, default


_MEMO = TenantMemo(FreightTemplate)


@functools.cache
def _templates_statement():
    """Built once (every checkout and preview runs it); rows of columns, not entities: read once."""
    columns = (FreightTemplate.id, FreightTemplate.method, FreightTemplate.areas, FreightTemplate.excluded_regions,
               FreightTemplate.is_default)
    return select(*columns).where(FreightTemplate.is_default.is_(True)
                                  | FreightTemplate.id.in_(bindparam("ids", expanding=True)))
