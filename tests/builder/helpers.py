"""Helpers for the builder tests: a store with its theme set up, API calls, staff members."""

from __future__ import annotations

import copy

from kaidian.platform.extensions import db
from kaidian.platform.models import Role, Tenant
from tests import factories
from tests.conftest import api_token

SLUG = "linen"


def page(client, headers, handle: str = "home") -> dict:
    response = client.get(f"/api/v1/pages/{handle}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def save(client, headers, document: dict, base_revision: int, handle: str = "home"):
    return client.put(f"/api/v1/pages/{handle}/draft", headers=headers,
                      json={"document": document, "base_revision": base_revision})


def with_text(document: dict, section_type: str, setting: str, value) -> dict:
    """A copy of ``document`` with one setting of the first section of ``section_type`` changed."""
    out = copy.deepcopy(document)
    section_id = first_of(out, section_type)
    out["sections"][section_id]["settings"][setting] = value
    return out


def first_of(document: dict, section_type: str) -> str:
    return next(i for i in document["order"] if document["sections"][i]["type"] == section_type)


def add_member(app, store, login: str, permissions: list[str] | None = None, role: Role = Role.STAFF) -> None:
    factories.member(app, store, login, permissions, role)


def member_headers(app, login: str, store) -> dict:
    return api_token(app.test_client(), login, store=store.slug)


def tenant(app, store):
    with app.app_context():
        return db.session.get(Tenant, store.tenant_id)
