"""Freight as table tests: the pure function ``freight.compute`` (no database)."""

import pytest

from kaidian.orders.freight import Area, Destination, Line, Template, area_for, compute

GD, SZ, NS = "44", "4403", "440305"  # Guangdong, Shenzhen, Nanshan
XJ, TB, BJ = "65", "54", "11"  # Xinjiang, Tibet, Beijing

BY_PIECE = Template("piece", "piece", (
    Area(regions=(GD,), first_units=1, first_fen=500, extra_units=1, extra_fen=200),
    Area(regions=(XJ,), first_units=1, first_fen=2000, extra_units=1, extra_fen=1000),
    Area(first_units=2, first_fen=1000, extra_units=2, extra_fen=300),  # everywhere else
), excluded=frozenset({TB}))
BY_WEIGHT = Template("weight", "weight", (
    Area(first_units=1000, first_fen=800, extra_units=500, extra_fen=200),
))
FREE_ABOVE = Template("free", "piece", (
    Area(regions=(GD,), first_units=1, first_fen=600, extra_units=1, extra_fen=100, free_above_fen=9900),
    Area(first_units=1, first_fen=600, extra_units=1, extra_fen=100, free_above_quantity=3),
))
CITY = Template("city", "piece", (
    Area(regions=(SZ,), first_units=1, first_fen=300, extra_units=1, extra_fen=0),  # a city inside GD
    Area(regions=(GD,), first_units=1, first_fen=700, extra_units=1, extra_fen=0),
))
ONLY_GD = Template("only-gd", "piece", (Area(regions=(GD,), first_units=1, first_fen=400, extra_units=1,
                                            extra_fen=100),))

SHENZHEN, XINJIANG, TIBET, BEIJING = Destination(GD, SZ, NS), Destination(XJ), Destination(TB), Destination(BJ)
GUANGZHOU = Destination(GD, "4401")


@pytest.mark.parametrize(("case", "lines", "destination", "fen"), [
    ("piece: first only", [Line(BY_PIECE, 1)], SHENZHEN, 500),
    ("piece: first + 2 extra", [Line(BY_PIECE, 3)], SHENZHEN, 900),
    ("piece: region's own prices", [Line(BY_PIECE, 2)], XINJIANG, 3000),
    ("piece: the catch-all area, 2 per step", [Line(BY_PIECE, 5)], BEIJING, 1000 + 2 * 300),
    ("piece: two lines of one template add up", [Line(BY_PIECE, 1), Line(BY_PIECE, 2)], SHENZHEN, 900),
    ("weight: within the first kilo", [Line(BY_WEIGHT, 2, weight_grams=400)], BEIJING, 800),
    ("weight: 1001 g rounds up a step", [Line(BY_WEIGHT, 1, weight_grams=1001)], BEIJING, 1000),
    ("weight: 2.2 kg -> 3 steps of 500 g", [Line(BY_WEIGHT, 2, weight_grams=1100)], BEIJING, 800 + 3 * 200),
    ("free above an amount: reached", [Line(FREE_ABOVE, 1, amount_fen=9900)], SHENZHEN, 0),
    ("free above an amount: short by a fen", [Line(FREE_ABOVE, 1, amount_fen=9899)], SHENZHEN, 600),
    ("free above a quantity: reached", [Line(FREE_ABOVE, 3, amount_fen=300)], BEIJING, 0),
    ("free above a quantity: not reached", [Line(FREE_ABOVE, 2, amount_fen=300)], BEIJING, 700),
    ("free rules are per region", [Line(FREE_ABOVE, 3, amount_fen=300)], SHENZHEN, 800),
    ("the city's area beats its province's", [Line(CITY, 1)], SHENZHEN, 300),
    ("another city of the province", [Line(CITY, 1)], GUANGZHOU, 700),
    ("no template anywhere: free", [Line(None, 4)], SHENZHEN, 0),
    # several templates: first price once (the highest), other templates' units all at their extra rate
    ("templates combined: highest first, others extra only",
     [Line(BY_PIECE, 2), Line(BY_WEIGHT, 1, weight_grams=1200)], BEIJING, 1000 + 3 * 200),
    ("templates combined: leader by first price",
     [Line(ONLY_GD, 2), Line(BY_PIECE, 3)], SHENZHEN, 500 + 2 * 200 + 2 * 100),
    ("templates combined: a free group costs nothing",
     [Line(FREE_ABOVE, 1, amount_fen=10000), Line(BY_PIECE, 2)], SHENZHEN, 500 + 200),
])
def test_freight(case, lines, destination, fen):
    quote = compute(lines, destination)
    assert quote.deliverable, case
    assert quote.fen == fen, case


def test_templates_combined_step_by_step():
    # BY_PIECE to Beijing (catch-all: first 2 pieces 1000, then 300 per 2) and BY_WEIGHT (first kilo 800,
    # then 200 per 500 g): the piece template has the higher first price, so it leads (2 pieces = 1000);
    # the weight group pays only its extra rate for all 1200 g: ceil(1200 / 500) = 3 steps = 600.
    quote = compute([Line(BY_PIECE, 2), Line(BY_WEIGHT, 1, weight_grams=1200)], BEIJING)
    assert quote.fen == 1000 + 600


@pytest.mark.parametrize(("lines", "destination", "undelivered"), [
    ([Line(BY_PIECE, 1)], TIBET, [0]),  # excluded explicitly
    ([Line(ONLY_GD, 1)], BEIJING, [0]),  # covered by no area
    ([Line(BY_PIECE, 1), Line(ONLY_GD, 1), Line(None, 1)], XINJIANG, [1]),
])
def test_regions_not_delivered_to(lines, destination, undelivered):
    quote = compute(lines, destination)
    assert quote.undelivered == undelivered and not quote.deliverable and quote.fen == 0


def test_an_excluded_city_inside_a_delivered_province():
    template = Template("t", "piece", (Area(regions=(GD,), first_fen=100),), excluded=frozenset({SZ}))
    assert area_for(template, SHENZHEN) is None
    assert area_for(template, GUANGZHOU) is not None
