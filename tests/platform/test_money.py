"""Money: yuan strings parsed to integer fen with clear refusals, formatted as ¥1,234.50 (filter and
API), arithmetic that refuses floats; no template formats fen by hand."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from flask import render_template_string

from kaidian.platform.money import (
    MAX_FEN,
    BadAmount,
    Money,
    change_by_percent,
    fen_to_yuan,
    format_yuan,
    parse_yuan,
)

PACKAGE = Path(__file__).resolve().parents[2] / "kaidian"


@pytest.mark.parametrize(("text", "fen"), [
    ("0", 0),
    ("12", 1200),
    ("12.3", 1230),
    ("12.30", 1230),
    ("0.01", 1),
    (".5", None),  # refused below: not how people write it
    ("1,234.50", 123450),
    ("¥1,234.50", 123450),
    ("￥99", 9900),
    ("  8.8\t", 880),
    ("100000000", MAX_FEN),
    ("100,000,000.00", MAX_FEN),
])
def test_parse_yuan(text, fen):
    if fen is None:
        with pytest.raises(BadAmount):
            parse_yuan(text)
    else:
        assert parse_yuan(text) == fen


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty"),
    ("   ", "empty"),
    ("¥", "empty"),
    ("abc", "not_a_number"),
    ("12abc", "not_a_number"),
    ("1.234", "too_precise"),
    ("0.001", "too_precise"),
    ("-1", "negative"),
    ("-0.01", "negative"),
    ("100000000.01", "too_large"),
    ("99999999999999", "too_large"),
    ("12\x00", "not_a_number"),
    ("\x00", "not_a_number"),
    ("1 2", "not_a_number"),
    ("12.\u00a030", "not_a_number"),
    ("1e3", "not_a_number"),
    ("NaN", "not_a_number"),
    ("Infinity", "not_a_number"),
    ("1_000", "not_a_number"),
    ("１２", "not_a_number"),  # full-width digits
    ("٣", "not_a_number"),  # Arabic-Indic digit
    ("12,34", "not_a_number"),
    ("+5", "not_a_number"),
    ("0x10", "not_a_number"),
    ("9" * 1000, "too_large"),
    (12.3, "not_a_number"),  # a float is never an amount
    (None, "not_a_number"),
])
def test_bad_amounts_are_refused_with_a_reason(app, text, reason):
    with pytest.raises(BadAmount) as refused:
        parse_yuan(text)
    assert refused.value.reason == reason
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert str(refused.value.message)


@pytest.mark.parametrize(("fen", "text", "plain"), [
    (0, "¥0.00", "0.00"),
    (1, "¥0.01", "0.01"),
    (1230, "¥12.30", "12.30"),
    (123450, "¥1,234.50", "1234.50"),
    (MAX_FEN, "¥100,000,000.00", "100000000.00"),
    (-505, "-¥5.05", "-5.05"),
    (Money(99), "¥0.99", "0.99"),
    (None, "", ""),
])
def test_format(fen, text, plain):
    assert format_yuan(fen) == text
    assert fen_to_yuan(fen) == plain


def test_format_whole_and_without_symbol():
    assert format_yuan(298000, whole=True) == "¥2,980"
    assert format_yuan(298050, whole=True) == "¥2,980.50"
    assert format_yuan(123450, symbol=False) == "1,234.50"


@pytest.mark.parametrize("value", [1.5, 12.0, Decimal("1.5"), "12", True])
def test_formatting_refuses_anything_but_fen(value):
    with pytest.raises(TypeError):
        format_yuan(value)


def test_money_arithmetic():
    assert Money(150) + Money(50) == Money(200)
    assert Money(150) - Money(200) == Money(-50)
    assert Money(150) * 3 == 3 * Money(150) == Money(450)
    assert Money(100) < Money(101) and sum([Money(1), Money(2)], Money(0)) == Money(3)
    assert str(Money(123450)) == "¥1,234.50" and Money.parse("1.5") == Money(150)


@pytest.mark.parametrize("operation", [
    lambda: Money(100) + 0.5,
    lambda: 0.5 + Money(100),
    lambda: Money(100) * 1.1,
    lambda: 1.1 * Money(100),
    lambda: Money(100) + 1,
    lambda: Money(100) - 1,
    lambda: Money(100) * True,
    lambda: Money(100) * Money(2),
    lambda: Money(1.5),
    lambda: Money("150"),
    lambda: Money(100).changed_by_percent(-10.0),
])
def test_money_refuses_floats_and_unlabelled_numbers(operation):
    with pytest.raises(TypeError):
        operation()


@pytest.mark.parametrize(("fen", "percent", "expected"), [
    (1000, Decimal("-10"), 900),
    (999, Decimal("-33.3"), 666),
    (1, Decimal("-99"), 1),  # never below one fen
    (MAX_FEN, Decimal("50"), MAX_FEN),  # never above the bound
    (105, Decimal("-50"), 53),  # half up
])
def test_change_by_percent(fen, percent, expected):
    assert change_by_percent(fen, percent) == expected


def test_the_jinja_filters(app):
    with app.test_request_context():
        assert render_template_string("{{ 123450|yuan }}") == "¥1,234.50"
        assert render_template_string("{{ 298000|yuan(whole=true) }}") == "¥2,980"
        assert render_template_string("{{ 1230|yuan_plain }}") == "12.30"


def test_no_template_formats_fen_by_hand():
    by_hand = re.compile(r"//\s*100|/\s*100\b|%\.2f|'%d' %")
    offenders = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.html") if by_hand.search(p.read_text())]
    assert offenders == []


def test_plan_prices_are_formatted_by_the_filter(client):
    html = client.get("/").get_data(as_text=True)
    assert "¥2,980" in html and "¥9,800" in html and "¥698" in html


def test_the_api_gives_formatted_prices(app, client, make_store):
    from tests.conftest import api_token

    store = make_store("alpha")
    headers = api_token(client, store.login)
    created = client.post("/api/v1/products", headers=headers, json={
        "title": "Tea", "skus": [{"spec_values": [], "price": 123450, "stock": 1}]})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["skus"][0]["price_text"] == "¥1,234.50"
    listed = client.get("/api/v1/products", headers=headers).get_json()
    assert listed[0]["price_text"] == "¥1,234.50"
