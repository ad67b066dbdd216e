"""seed-demo on the embedded default (SQLite, media on disk, jobs inline): the demo stores are filled,
their home pages list products, and a second run changes nothing. PostgreSQL: tests/wechat/test_demo_seed.py."""

import os
import re

import pytest
from flask_migrate import upgrade

from kaidian.catalog import media
from kaidian.platform.extensions import db
from tests.conftest import Backend, make_app
from tests.wechat.helpers import snapshot


@pytest.fixture
def sqlite_app(tmp_path):
    app = make_app(Backend("sqlite", f"sqlite:///{tmp_path / 'kaidian.db'}"), tmp_path / "media")
    with app.app_context():
        upgrade()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def _seed(app) -> str:
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["kaidian", "seed-demo"])
        db.session.remove()
    assert result.exit_code == 0, result.output
    return result.output


def _files(app) -> list[str]:
    return sorted(os.path.join(d, f) for d, _, files in os.walk(app.config["MEDIA_ROOT"]) for f in files)


def test_seed_demo_on_sqlite_fills_the_stores_once(sqlite_app):
    first = _seed(sqlite_app)
    assert first.count("(0 new)") == 0 and "products (16 new)" in first and "products (15 new)" in first
    before, files = snapshot(sqlite_app), _files(sqlite_app)
    assert len(before["catalog_products"]) == 31 and len(before["wechat_authorizers"]) == 2
    per_image = 3 + len(media.renditions_wanted())  # original, 800 px, 240 px and the job's renditions
    assert len(files) == per_image * len(before["catalog_product_images"])
    assert _seed(sqlite_app).count("(0 new)") == 2
    assert snapshot(sqlite_app) == before and _files(sqlite_app) == files
    client = sqlite_app.test_client()
    for host in ("demo-apparel.localhost", "demo-food.localhost"):
        home = client.get("/", base_url=f"http://{host}")
        assert home.status_code == 200
        assert len(re.findall(r'href="/products/[0-9a-f-]{36}"', home.get_data(as_text=True))) >= 6
