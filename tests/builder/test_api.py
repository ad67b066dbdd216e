"""The page-document API the builder works through: drafts saved against a revision (a stale save is
a 409 that changes nothing), publish, versions, restore, invalid documents, other stores' pages,
and who may publish. Plus the builder's own endpoints (whole-page preview, media library)."""

from __future__ import annotations

import copy

import pytest

from tests.conftest import api_token

from .helpers import SLUG, add_member, first_of, member_headers, page, save, with_text

STORE_BASE = f"http://{SLUG}.localhost"


def test_save_draft_bumps_the_revision_and_keeps_the_live_page(client, owner):
    # given the home page as the editor loads it
    home = page(client, owner)
    document = with_text(home["draft"], "announcement_bar", "text", "Spring sale")
    # when the editor saves its draft against the revision it read
    response = save(client, owner, document, home["draft_revision"])
    # then it is stored, the revision moves on, and the live page is untouched
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["draft_revision"] == home["draft_revision"] + 1
    assert body["has_unpublished_changes"] is True
    stored = page(client, owner)
    announcement = stored["draft"]["sections"][first_of(stored["draft"], "announcement_bar")]
    assert announcement["settings"]["text"] == "Spring sale"
    assert stored["published"] == home["published"]
    assert "Spring sale" not in client.get("/", base_url=STORE_BASE).get_data(as_text=True)


def test_a_stale_save_is_refused_and_the_other_tabs_draft_is_kept(client, owner, store):
    # given two tabs that opened the page at the same revision
    home = page(client, owner)
    first_tab = with_text(home["draft"], "announcement_bar", "text", "Saved by the first tab")
    second_tab = with_text(home["draft"], "announcement_bar", "text", "Typed in the second tab")
    assert save(client, owner, first_tab, home["draft_revision"]).status_code == 200
    # when the second tab saves against the revision it started from
    response = save(client, owner, second_tab, home["draft_revision"])
    # then it is a 409 in the one error shape, and the stored draft is the first tab's
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "draft_conflict"
    assert "base_revision" in error["fields"]
    stored = page(client, owner)
    assert stored["draft_revision"] == home["draft_revision"] + 1
    announcement = stored["draft"]["sections"][first_of(stored["draft"], "announcement_bar")]
    assert announcement["settings"]["text"] == "Saved by the first tab"
    # and the editor can say who saved it and when (what its conflict dialog shows)
    assert stored["updated_by_name"] == SLUG.title()
    assert stored["updated_at"]
    # and "overwrite with mine" is a save against the current revision: nothing of the second tab is lost
    latest = page(client, owner)
    assert save(client, owner, second_tab, latest["draft_revision"]).status_code == 200
    assert "Typed in the second tab" in str(page(client, owner)["draft"])


def test_publish_makes_the_draft_live_and_records_a_version(client, owner):
    home = page(client, owner)
    document = with_text(home["draft"], "announcement_bar", "text", "Now live")
    revision = save(client, owner, document, home["draft_revision"]).get_json()["draft_revision"]

    response = client.post("/api/v1/pages/home/publish", headers=owner, json={"base_revision": revision})

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["published_version"] == home["published_version"] + 1
    assert body["has_unpublished_changes"] is False
    assert "Now live" in client.get("/", base_url=STORE_BASE).get_data(as_text=True)
    versions = client.get("/api/v1/pages/home/versions", headers=owner).get_json()
    assert versions[0]["version"] == body["published_version"]
    assert versions[0]["created_by_name"] == SLUG.title()


def test_publish_of_a_stale_revision_is_refused(client, owner):
    home = page(client, owner)
    save(client, owner, with_text(home["draft"], "announcement_bar", "text", "Newer"), home["draft_revision"])
    response = client.post("/api/v1/pages/home/publish", headers=owner, json={"base_revision": home["draft_revision"]})
    assert response.status_code == 409
    assert page(client, owner)["published_version"] == home["published_version"]


def _publish_text(client, headers, text: str) -> int:
    current = page(client, headers)
    document = with_text(current["draft"], "announcement_bar", "text", text)
    revision = save(client, headers, document, current["draft_revision"]).get_json()["draft_revision"]
    response = client.post("/api/v1/pages/home/publish", headers=headers, json={"base_revision": revision})
    assert response.status_code == 200
    return response.get_json()["published_version"]


def test_restore_puts_an_old_version_into_the_draft_only(client, owner):
    # given two published versions
    old = _publish_text(client, owner, "Autumn collection")
    _publish_text(client, owner, "Winter collection")
    current = page(client, owner)
    # when the older one is restored
    response = client.post(f"/api/v1/pages/home/versions/{old}/restore", headers=owner,
                           json={"base_revision": current["draft_revision"]})
    # then the draft is that version, the live page is still the newest, and publishing brings it back
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert "Autumn collection" in str(body["draft"])
    assert body["draft_base_version"] == old
    assert "Winter collection" in client.get("/", base_url=STORE_BASE).get_data(as_text=True)
    client.post("/api/v1/pages/home/publish", headers=owner, json={"base_revision": body["draft_revision"]})
    assert "Autumn collection" in client.get("/", base_url=STORE_BASE).get_data(as_text=True)


def test_restore_against_a_stale_revision_changes_nothing(client, owner):
    old = _publish_text(client, owner, "First")
    current = page(client, owner)
    save(client, owner, with_text(current["draft"], "announcement_bar", "text", "Unsaved elsewhere"),
         current["draft_revision"])
    response = client.post(f"/api/v1/pages/home/versions/{old}/restore", headers=owner,
                           json={"base_revision": current["draft_revision"]})
    assert response.status_code == 409
    assert "Unsaved elsewhere" in str(page(client, owner)["draft"])


def _too_many_sections(document):
    out = copy.deepcopy(document)
    for i in range(26 - len(out["order"])):
        out["sections"][f"extra-{i}"] = {"type": "spacer", "settings": {}}
        out["order"].append(f"extra-{i}")
    return out


def _unknown_type(document):
    out = copy.deepcopy(document)
    out["sections"]["evil"] = {"type": "script_injector", "settings": {}}
    out["order"].append("evil")
    return out


def _bad_order(document):
    out = copy.deepcopy(document)
    out["order"] = out["order"][1:]
    return out


def _unknown_setting(document):
    return with_text(document, "announcement_bar", "onclick", "alert(1)")


def _too_long(document):
    return with_text(document, "announcement_bar", "text", "x" * 500)


def _foreign_image(document):
    return with_text(document, "image_with_text", "image", "t/00000000-0000-0000-0000-000000000000/theme/a_1x1.jpg")


@pytest.mark.parametrize("spoil, field", [
    (_unknown_type, "sections.evil.type"),
    (_too_many_sections, "sections"),
    (_bad_order, "order"),
    (_unknown_setting, "settings.onclick"),
    (_too_long, "settings.text"),
    (_foreign_image, "settings.image"),
])
def test_invalid_documents_are_refused_and_change_nothing(client, owner, spoil, field):
    home = page(client, owner)
    response = save(client, owner, spoil(home["draft"]), home["draft_revision"])
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_document"
    assert any(path.endswith(field) or path == field for path in error["fields"]), error["fields"]
    after = page(client, owner)
    assert after["draft"] == home["draft"]
    assert after["draft_revision"] == home["draft_revision"]


def test_another_stores_page_is_not_found_and_unchanged(app, client, make_store, owner, store):
    # given another store with a landing page of its own
    other = make_store("bravo", plan="basic")
    other_headers = api_token(app.test_client(), other.login, store=other.slug)
    created = client.post("/api/v1/pages", headers=other_headers, json={"handle": "bravo-sale", "title": "Sale"})
    assert created.status_code == 201, created.get_json()
    theirs = page(client, other_headers, "bravo-sale")
    # when our owner asks for it, saves it, publishes it, restores it or renders it
    document = theirs["draft"]
    calls = [
        ("GET", "/api/v1/pages/bravo-sale", None),
        ("PUT", "/api/v1/pages/bravo-sale/draft", {"document": document, "base_revision": theirs["draft_revision"]}),
        ("POST", "/api/v1/pages/bravo-sale/publish", {"base_revision": theirs["draft_revision"]}),
        ("GET", "/api/v1/pages/bravo-sale/versions", None),
        ("POST", "/api/v1/pages/bravo-sale/versions/1/restore", {"base_revision": theirs["draft_revision"]}),
        ("DELETE", "/api/v1/pages/bravo-sale", None),
        ("POST", "/api/v1/builder/pages/bravo-sale/render", {"document": document}),
    ]
    for method, path, body in calls:
        response = client.open(path, method=method, headers=owner, json=body)
        # then it does not exist for us
        assert response.status_code == 404, (method, path, response.status_code)
        assert response.get_json()["error"]["code"] in ("not_found", "page_not_found")
    # and nothing of theirs changed
    assert page(client, other_headers, "bravo-sale") == theirs


def test_staff_may_edit_drafts_but_not_publish(app, client, owner, store):
    add_member(app, store, "staffer@example.com")
    staff = member_headers(app, "staffer@example.com", store)
    home = page(client, staff)
    document = with_text(home["draft"], "announcement_bar", "text", "Staff wording")

    saved = save(client, staff, document, home["draft_revision"])
    published = client.post("/api/v1/pages/home/publish", headers=staff,
                            json={"base_revision": saved.get_json()["draft_revision"]})
    theme = client.post("/api/v1/theme/publish", headers=staff, json={})
    switch = client.post("/api/v1/theme/template", headers=staff, json={"template": "food"})

    assert saved.status_code == 200
    assert published.status_code == 403
    assert theme.status_code == 403
    assert switch.status_code == 403
    after = page(client, owner)
    assert after["published_version"] == home["published_version"]
    assert after["published"] == home["published"]
    assert client.get("/api/v1/theme", headers=owner).get_json()["template"] == "clothing"


def test_staff_given_the_publish_permission_may_publish(app, client, store):
    add_member(app, store, "lead@example.com", permissions=["pages.publish"])
    staff = member_headers(app, "lead@example.com", store)
    home = page(client, staff)
    response = client.post("/api/v1/pages/home/publish", headers=staff, json={"base_revision": home["draft_revision"]})
    assert response.status_code == 200
    assert response.get_json()["published_by"]


def test_a_cookie_session_needs_the_csrf_header_to_save(client, store):
    from tests.conftest import csrf_token, login

    login(client, store.login)
    home = client.get("/api/v1/pages/home").get_json()
    document = with_text(home["draft"], "announcement_bar", "text", "From the editor")
    body = {"document": document, "base_revision": home["draft_revision"]}
    refused = client.put("/api/v1/pages/home/draft", json=body)
    token = csrf_token(client, "/admin/builder/")
    accepted = client.put("/api/v1/pages/home/draft", json=body, headers={"X-CSRFToken": token})
    assert refused.status_code in (400, 403)
    assert accepted.status_code == 200


# --- the builder's own endpoints -------------------------------------------------------------


def test_whole_page_preview_renders_an_unsaved_document_without_saving(client, owner):
    home = page(client, owner)
    document = with_text(home["draft"], "announcement_bar", "text", "Only in the preview")
    theme = client.get("/api/v1/theme", headers=owner).get_json()["draft"]
    theme["settings"]["primary_color"] = "#123456"

    response = client.post("/api/v1/builder/pages/home/render", headers=owner,
                           json={"document": document, "theme": theme})

    assert response.status_code == 200, response.get_json()
    html = response.get_json()["html"]
    assert "Only in the preview" in html
    assert "#123456" in html
    assert 'data-section-id="' in html
    assert page(client, owner)["draft"] == home["draft"]


def test_whole_page_preview_refuses_an_invalid_document(client, owner):
    home = page(client, owner)
    response = client.post("/api/v1/builder/pages/home/render", headers=owner,
                           json={"document": _unknown_type(home["draft"])})
    assert response.status_code == 422
    assert "sections.evil.type" in response.get_json()["error"]["fields"]


def test_section_preview_renders_one_section(client, owner):
    home = page(client, owner)
    section_id = first_of(home["draft"], "announcement_bar")
    section = copy.deepcopy(home["draft"]["sections"][section_id])
    section["settings"]["text"] = "Typed just now"
    response = client.post("/api/v1/theme/render-section", headers=owner,
                           json={"page": "home", "section_id": section_id, "section": section})
    assert response.status_code == 200
    assert "Typed just now" in response.get_json()["html"]
    assert f'data-section-id="{section_id}"' in response.get_json()["html"]


def test_media_library_lists_the_images_the_pages_use(client, owner, store):
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (800, 400), "#c0ffee").save(buffer, "PNG")
    uploaded = client.post("/api/v1/theme/images", headers=owner,
                           data={"file": (BytesIO(buffer.getvalue()), "banner.png")})
    assert uploaded.status_code == 201, uploaded.get_json()
    key = uploaded.get_json()["key"]
    home = page(client, owner)
    assert save(client, owner, with_text(home["draft"], "image_with_text", "image", key),
                home["draft_revision"]).status_code == 200

    media = client.get("/api/v1/builder/media", headers=owner).get_json()

    assert [item["key"] for item in media] == [key]
    assert media[0]["width"] == 800 and media[0]["url"]
