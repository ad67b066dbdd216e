"""Product photos in the sizes and formats phones pick from: 240/480/800 px as JPEG, WebP and (where
Pillow writes it) AVIF, offered through ``<picture>``/``srcset``; an image whose further renditions are
missing is offered as its JPEGs; the backfill command adds them to older images, once."""

from __future__ import annotations

import re
import uuid

import pytest

from kaidian.catalog import media
from kaidian.catalog.models import ProductImage
from kaidian.platform.extensions import db
from kaidian.platform.storage import get_storage
from kaidian.platform.tenancy import all_tenants
from tests.catalog.helpers import rows
from tests.conftest import api_token
from tests.themes.helpers import add_product, one_section, publish, store_get


@pytest.fixture
def alpha(store):
    return store


@pytest.fixture
def alpha_api(app, alpha):
    return api_token(app.test_client(), alpha.login)


def _image(app) -> tuple:
    (tenant_id, image_id, main, renditions), = rows(app, ProductImage.tenant_id, ProductImage.id,
                                                    ProductImage.image_key, ProductImage.renditions)
    return tenant_id, image_id, main, renditions


def _forget_renditions(app) -> list[str]:
    """Make the image look like one stored before renditions existed; returns the removed files."""
    with app.app_context(), all_tenants():
        image = db.session.execute(db.select(ProductImage)).scalar_one()
        keys = media.rendition_keys(image)
        for key in keys:
            get_storage().delete(key)
        image.renditions = []
        db.session.commit()
        db.session.remove()
    return keys


def _exists(app, keys) -> list[bool]:
    with app.app_context():
        return [get_storage().exists(key) for key in keys]


def _card_picture(page: str) -> str:
    card = page[page.index("kd-pcard"):]
    return card[:card.index("</a>")]


def test_a_new_image_gets_every_rendition_once(app, alpha):
    add_product(app, alpha.tenant_id, "Shirt", image=True)
    tenant_id, image_id, main, renditions = _image(app)
    assert renditions == media.renditions_wanted()
    assert "480.jpg" in renditions and {"240.webp", "480.webp", "800.webp"} <= set(renditions)
    with app.app_context():
        assert media.make_renditions(tenant_id, image_id) == []  # idempotent: nothing is missing
        assert media.make_renditions(tenant_id, uuid.uuid4()) == []  # a deleted image: nothing to do


def test_avif_is_written_where_pillow_can():
    from PIL import features

    assert ("240.avif" in media.renditions_wanted()) == features.check("avif")


def test_a_card_offers_every_format_and_width_with_its_sizes(app, client, alpha, alpha_api):
    publish(client, alpha_api, "home", one_section("product_grid", {"columns": 2}))
    add_product(app, alpha.tenant_id, "Shirt", image=True)
    card = _card_picture(store_get(client, "alpha").get_data(as_text=True))
    sizes = "(max-width: 480px) calc(50vw - 17px), 223px"
    sources = re.findall(r'<source type="([^"]+)" srcset="([^"]+)" sizes="([^"]+)">', card)
    expected = ["image/avif", "image/webp"] if "240.avif" in media.renditions_wanted() else ["image/webp"]
    assert [kind for kind, _, _ in sources] == expected
    for kind, srcset, source_sizes in sources:
        extension = kind.split("/")[1]
        assert [w for w in re.findall(r"-(\d+)\.(\w+) (\d+)w", srcset)] == [
            (str(n), extension, str(n)) for n in (240, 480, 800)]
        assert source_sizes == sizes
    img = re.search(r"<img [^>]*>", card).group(0)
    assert re.search(r'srcset="[^"]*-240\.jpg 240w, [^"]*-480\.jpg 480w, [^"]*-800\.jpg 800w"', img)
    assert f'sizes="{sizes}"' in img and 'src="' in img and "-240.jpg" in img.split("srcset")[0]
    assert card.index("<picture>") < card.index("<source") < card.index("<img") < card.index("</picture>")


def test_missing_renditions_fall_back_to_the_jpegs(app, client, alpha, alpha_api):
    publish(client, alpha_api, "home", one_section("product_grid", {"columns": 3}))
    add_product(app, alpha.tenant_id, "Shirt", image=True)
    _forget_renditions(app)
    card = _card_picture(store_get(client, "alpha").get_data(as_text=True))
    assert "<picture>" not in card and "<source" not in card and ".webp" not in card and "-480.jpg" not in card
    img = re.search(r"<img [^>]*>", card).group(0)
    assert re.search(r'srcset="[^"]*-240\.jpg 240w, [^"]*-800\.jpg 800w"', img)
    assert 'sizes="(max-width: 480px) calc(33.3vw - 14px), 147px"' in img
    response = store_get(client, "alpha", re.search(r'src="(/media/[^"]+)"', img).group(1))
    assert response.status_code == 200


def test_the_backfill_adds_what_older_images_lack_and_runs_again_safely(app, alpha):
    add_product(app, alpha.tenant_id, "Shirt", image=True)
    removed = _forget_renditions(app)
    assert removed and not any(_exists(app, removed))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["kaidian", "image-renditions"])
    assert result.exit_code == 0 and "1 images" in result.output, result.output
    assert all(_exists(app, removed)) and _image(app)[3] == media.renditions_wanted()
    again = runner.invoke(args=["kaidian", "image-renditions"])
    assert again.exit_code == 0 and "0 images" in again.output
