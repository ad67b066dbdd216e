"""Helpers for the catalog tests: products through the API, looking at rows across the walls.
Test data comes from tests/factories.py (re-exported here: ``simple``, ``tshirt``, ``image_bytes``, ``in_store``)."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from kaidian.platform.extensions import db
from kaidian.platform.tenancy import all_tenants
from tests import factories
from tests.factories import image_bytes, in_store, simple, tshirt  # noqa: F401 - the catalog tests import them here


def count(app, model, *conditions) -> int:
    with app.app_context(), all_tenants():
        value = db.session.execute(select(func.count()).select_from(model).where(*conditions)).scalar()
        db.session.remove()
    return value


def rows(app, *columns, where=()):
    with app.app_context(), all_tenants():
        result = [tuple(r) for r in db.session.execute(select(*columns).where(*where)).all()]
        db.session.remove()
    return result


def create(client, headers, body: dict, status: int = 201) -> dict:
    response = client.post("/api/v1/products", json=body, headers=headers)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def upload_image(client, headers, product_id, data: bytes, name="photo.png"):
    return client.post(f"/api/v1/products/{product_id}/images", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), name)})


def assert_error_shape(body: dict) -> None:
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}


def seed_catalog_ids(tenant) -> dict:
    """One of each catalog row a merchant URL can name, for the cross-tenant walker, made through the
    catalog's services (the SKU has its ledger rows; the image its files). Call inside the store's
    tenant context."""
    from kaidian.catalog import stock
    from kaidian.catalog.models import CatalogNotification, ImportJob

    category, group = factories.create_category("Cat"), factories.create_group("Shelf")
    product = factories.create_product(tenant, simple("Seeded", price=100, stock=6, code=f"SEED-{tenant.slug}",
                                                      low_stock_threshold=5), image=True)
    sku = product.skus[0]
    stock.adjust(sku, -5, "manual")  # crosses below the threshold: a low-stock notification
    job = ImportJob(filename="seed.csv", file_key=f"p/{tenant.id}/imports/seed.csv", file_format="csv")
    db.session.add(job)
    db.session.commit()
    note = db.session.execute(select(CatalogNotification).where(CatalogNotification.sku_id == sku.id)).scalar_one()
    return {"category_id": category.id, "group_id": group.id, "product_id": product.id, "sku_id": sku.id,
            "image_id": product.images[0].id, "import_id": job.id, "notification_id": note.id}
