"""Helpers for the catalog tests: products through the API, looking at rows across the walls."""

from __future__ import annotations

import io
from contextlib import contextmanager

from PIL import Image
from sqlalchemy import func, select

from kaidian.platform.extensions import db
from kaidian.platform.tenancy import all_tenants, tenant_context


@contextmanager
def in_store(app, tenant_id):
    """An app context acting for one store (as a request or a job would)."""
    with app.app_context(), tenant_context(tenant_id):
        try:
            yield
        finally:
            db.session.remove()


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


def tshirt(**overrides) -> dict:
    """A product with two specs, 2 colours × 2 sizes = 4 SKUs."""
    body = {
        "title": "Cotton T-shirt",
        "subtitle": "Soft",
        "specs": [{"name": "Colour", "values": ["Red", "Blue"]}, {"name": "Size", "values": ["M", "L"]}],
        "skus": [
            {"spec_values": [c, s], "price": 9900, "stock": 10, "code": f"TS-{c}-{s}", "weight_grams": 200}
            for c in ("Red", "Blue") for s in ("M", "L")
        ],
    }
    body.update(overrides)
    return body


def simple(title="Mug", price=1990, stock=5, code=None, **overrides) -> dict:
    body = {"title": title, "skus": [{"price": price, "stock": stock, "code": code}]}
    body.update(overrides)
    return body


def create(client, headers, body: dict, status: int = 201) -> dict:
    response = client.post("/api/v1/products", json=body, headers=headers)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def image_bytes(size=(400, 200), fmt="PNG", color="red", **save) -> bytes:
    image = Image.new("RGB", size, color)
    image.paste("blue", (0, size[1] // 2, size[0], size[1]))  # top half red, bottom half blue
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def upload_image(client, headers, product_id, data: bytes, name="photo.png"):
    return client.post(f"/api/v1/products/{product_id}/images", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), name)})


def assert_error_shape(body: dict) -> None:
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}


def seed_catalog_ids(tenant) -> dict:
    """One of each catalog row a merchant URL can name, for the cross-tenant walker (rows written
    directly: no files, no jobs). Call inside the store's tenant context; commits."""
    from kaidian.catalog.models import (
        CatalogNotification,
        Category,
        Group,
        ImportJob,
        Product,
        ProductImage,
        Sku,
    )

    category, group = Category(name="Cat"), Group(name="Shelf")
    product = Product(title="Seeded", specs=[], low_stock_threshold=5)
    sku = Sku(price=100, stock=1, spec_key="", spec_values=[], code=f"SEED-{tenant.slug}")
    image = ProductImage(original_key="t/x/o.jpg", image_key="t/x/m.jpg", thumb_key="t/x/t.jpg", width=1, height=1)
    product.skus.append(sku)
    product.images.append(image)
    job = ImportJob(filename="seed.csv", file_key=f"p/{tenant.id}/imports/seed.csv", file_format="csv")
    db.session.add_all([category, group, product, job])
    db.session.flush()
    note = CatalogNotification(kind="low_stock", product_id=product.id, sku_id=sku.id, stock=1, threshold=5)
    db.session.add(note)
    db.session.commit()
    return {"category_id": category.id, "group_id": group.id, "product_id": product.id, "sku_id": sku.id,
            "image_id": image.id, "import_id": job.id, "notification_id": note.id}
