"""Specs and SKUs: the SKUs are the cartesian product of the spec values; editing the specs keeps
the SKUs (stock, price, code) whose combination is unchanged, creates new ones, retires removed ones."""

import uuid

import pytest

from kaidian.catalog.models import Sku, StockMovement
from tests.catalog.helpers import count, create, rows, simple, tshirt


def _skus(client, headers, product_id) -> dict:
    response = client.get(f"/api/v1/products/{product_id}/skus", headers=headers)
    assert response.status_code == 200
    return {tuple(s["spec_values"]): s for s in response.get_json()}


def test_skus_are_the_cartesian_product_of_the_specs(client, headers):
    # given three dimensions of 2, 3 and 2 values
    body = {"title": "Sneaker", "specs": [{"name": "Colour", "values": ["White", "Black"]},
                                          {"name": "Size", "values": ["40", "41", "42"]},
                                          {"name": "Width", "values": ["Regular", "Wide"]}],
            "skus": [{"spec_values": ["White", "40", "Regular"], "price": 39900, "stock": 3, "code": "SN-1"}]}
    # when the product is created with a price for one combination only
    response = client.post("/api/v1/products", json=body, headers=headers)
    # then every other combination lacks a price: refused, nothing created
    assert response.status_code == 422
    assert "skus" in response.get_json()["error"]["fields"]
    assert count(client.application, Sku) == 0

    # when every combination is given
    body["skus"] = [{"spec_values": [c, s, w], "price": 39900, "stock": 1}
                    for c in ("White", "Black") for s in ("40", "41", "42") for w in ("Regular", "Wide")]
    product = create(client, headers, body)
    # then there are 2 × 3 × 2 SKUs, in the order of the values (first dimension slowest)
    assert [tuple(s["spec_values"]) for s in product["skus"]] == [
        (c, s, w) for c in ("White", "Black") for s in ("40", "41", "42") for w in ("Regular", "Wide")]
    assert product["total_stock"] == 12


def test_a_product_without_specs_has_exactly_one_sku(client, headers):
    product = create(client, headers, simple(price=1990, stock=7, code="MUG-1"))
    (sku,) = product["skus"]
    assert (sku["spec_values"], sku["price"], sku["stock"], sku["code"]) == ([], 1990, 7, "MUG-1")
    # a second SKU without specs is not a combination of the (no) specs
    response = client.patch(f"/api/v1/products/{product['id']}", headers=headers,
                            json={"skus": [{"price": 1, "stock": 1}, {"spec_values": ["x"], "price": 2}]})
    assert response.status_code == 422


def test_editing_specs_keeps_unchanged_skus_with_their_stock_price_and_code(app, client, headers):
    # given 2 colours × 2 sizes with stock 10 each, and one SKU sold down to 3
    product = create(client, headers, tshirt())
    before = _skus(client, headers, product["id"])
    red_m = before[("Red", "M")]
    client.post(f"/api/v1/products/{product['id']}/skus/{red_m['id']}/stock", headers=headers, json={"delta": -7})
    # when the merchant drops Blue, adds Green and size XL, sending only the new combinations' prices
    new_specs = [{"name": "Colour", "values": ["Red", "Green"]}, {"name": "Size", "values": ["M", "L", "XL"]}]
    new_skus = [{"spec_values": [c, s], "price": 10900} for c, s in
                [("Red", "XL"), ("Green", "M"), ("Green", "L"), ("Green", "XL")]]
    response = client.patch(f"/api/v1/products/{product['id']}", headers=headers,
                            json={"specs": new_specs, "skus": new_skus})
    assert response.status_code == 200, response.get_json()
    after = _skus(client, headers, product["id"])
    # then the unchanged combinations are the same SKUs, stock, price and code untouched
    assert set(after) == {(c, s) for c in ("Red", "Green") for s in ("M", "L", "XL")}
    for key in [("Red", "M"), ("Red", "L")]:
        assert after[key]["id"] == before[key]["id"]
        assert after[key]["code"] == before[key]["code"]
        assert after[key]["price"] == 9900
    assert after[("Red", "M")]["stock"] == 3 and after[("Red", "L")]["stock"] == 10
    # new ones start with no stock at the given price
    assert after[("Green", "XL")]["stock"] == 0 and after[("Green", "XL")]["price"] == 10900
    # the Blue SKUs are retired, not sold, and their codes are free again
    retired = rows(app, Sku.code, Sku.retired_at, where=[Sku.code.like("TS-Blue-%")])
    assert len(retired) == 2 and all(r[1] is not None for r in retired)
    reuse = client.patch(f"/api/v1/products/{product['id']}/skus/{after[('Green', 'M')]['id']}",
                         headers=headers, json={"code": "TS-Blue-M"})
    assert reuse.status_code == 200, reuse.get_json()


def test_reordering_dimensions_and_values_keeps_every_sku(client, headers):
    product = create(client, headers, tshirt())
    before = _skus(client, headers, product["id"])
    response = client.patch(f"/api/v1/products/{product['id']}", headers=headers, json={
        "specs": [{"name": "Size", "values": ["L", "M"]}, {"name": "Colour", "values": ["Blue", "Red"]}],
        "skus": []})
    assert response.status_code == 200, response.get_json()
    after = {tuple(reversed(k)): v for k, v in _skus(client, headers, product["id"]).items()}
    assert {k: v["id"] for k, v in after.items()} == {k: v["id"] for k, v in before.items()}
    assert [s["spec_values"] for s in response.get_json()["skus"]] == [
        ["L", "Blue"], ["L", "Red"], ["M", "Blue"], ["M", "Red"]]


def test_stock_typed_into_the_sku_table_goes_through_the_ledger(app, client, headers):
    product = create(client, headers, tshirt())
    red_m = _skus(client, headers, product["id"])[("Red", "M")]
    client.patch(f"/api/v1/products/{product['id']}", headers=headers,
                 json={"skus": [{"spec_values": ["Red", "M"], "stock": 25}]})
    ledger = rows(app, StockMovement.reason, StockMovement.delta, StockMovement.stock_after,
                  where=[StockMovement.sku_id == uuid.UUID(red_m["id"])])
    assert sorted(ledger) == [("edit", 15, 25), ("initial", 10, 10)]


@pytest.mark.parametrize(("specs", "field"), [
    ([{"name": f"D{i}", "values": ["a"]} for i in range(4)], "specs"),
    ([{"name": "Colour", "values": [f"v{i}" for i in range(21)]}], "specs"),
    ([{"name": "Colour", "values": ["a"]}, {"name": "Colour", "values": ["b"]}], "specs"),
    ([{"name": "Colour", "values": []}], "specs"),
    ([{"name": "A", "values": [str(i) for i in range(20)]}, {"name": "B", "values": [str(i) for i in range(20)]},
      {"name": "C", "values": ["x", "y"]}], "specs"),
], ids=["four-dimensions", "21-values", "repeated-name", "no-values", "800-skus"])
def test_spec_limits_are_refused_and_nothing_changes(app, client, headers, specs, field):
    product = create(client, headers, tshirt())
    response = client.patch(f"/api/v1/products/{product['id']}", headers=headers, json={"specs": specs, "skus": []})
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert count(app, Sku, Sku.retired_at.is_(None)) == 4


def test_sku_code_is_unique_in_the_store_but_not_across_stores(app, client, headers, other_headers):
    create(client, headers, simple(code="DUP-1"))
    before = count(app, Sku)
    response = client.post("/api/v1/products", json=simple(title="Other", code="DUP-1"), headers=headers)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "sku_code_taken"
    assert count(app, Sku) == before
    # the same code in another store is fine
    create(client, other_headers, simple(code="DUP-1"))


def test_two_skus_of_one_product_cannot_share_a_code(app, client, headers):
    body = tshirt()
    body["skus"][1]["code"] = body["skus"][0]["code"]
    response = client.post("/api/v1/products", json=body, headers=headers)
    assert response.status_code == 422
    assert count(app, Sku) == 0
