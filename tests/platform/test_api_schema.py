"""The API keeps its own promises: schemathesis runs every check over ``/api/v1/openapi.json``,
in-process (WSGI), on PostgreSQL, as a merchant with a token, with a fixed seed and a fixed number of
examples per operation, so an endpoint that breaks its own schema fails the suite.

What the OpenAPI document cannot state is listed below with its reason; everything else must hold:
no server error, every response (errors included) matching its documented schema, schema-valid
data accepted, schema-violating data refused, ``Allow`` on 405, authentication not ignored.
"""

from __future__ import annotations

import logging

import pytest
import schemathesis
from schemathesis.engine import events, from_schema
from sqlalchemy import func, select

from kaidian.catalog.models import Category, Product
from kaidian.platform.extensions import db
from kaidian.platform.models import ApiToken, Membership
from kaidian.platform.tenancy import tenant_context
from tests.conftest import api_token

SEED = 20261130
MAX_EXAMPLES = 4

# Left out: operations that would leave the machine.
EXCLUDED = {
    "POST /api/v1/wechat/authorizations": "asks WeChat's component API (WECHAT_API_BASE, the sandbox) for a "
                                          "pre-authorization code over the network",
}

# Schema-valid data these operations may still refuse with 422, because validity depends on something
# an OpenAPI document cannot express; every other check still applies to them.
DEPENDS_ON_DATA = {
    # ids in the body must name rows of this store (a random UUID names none)
    "POST /api/v1/categories": "parent_id must be one of the store's categories",
    "PATCH /api/v1/categories/{category_id}": "parent_id must be one of the store's categories",
    "POST /api/v1/products": "category_id and group_ids must be the store's",
    "PATCH /api/v1/products/{product_id}": "category_id and group_ids must be the store's; SKUs must match specs",
    "POST /api/v1/products/bulk": "product_ids must be the store's",
    # freight template areas: one "all other regions" area at most, a region in one area only
    "POST /api/v1/freight-templates": "a region may be in one area only; one catch-all area",
    "PATCH /api/v1/freight-templates/{freight_template_id}": "a region may be in one area only; one catch-all area",
    # documents are checked against the section registry (GET /api/v1/theme/sections), not OpenAPI
    "PUT /api/v1/pages/{handle}/draft": "a page document is validated against the section registry",
    "PUT /api/v1/theme/draft": "a theme document is validated against the section registry",
    "POST /api/v1/theme/render-section": "a section or document is validated against the section registry",
    "POST /api/v1/builder/pages/{handle}/render": "a page document is validated against the section registry",
    "PUT /api/v1/wechat/authorizers/{authorizer_id}/menu": "a menu follows WeChat's menu rules",
    "POST /api/v1/wechat/authorizers/{authorizer_id}/menu/publish": "a menu follows WeChat's menu rules",
    # uploads are checked by their content (images, PDF, CSV/XLSX, MP4)
    "POST /api/v1/store/logo": "the file must be an image",
    "POST /api/v1/qualifications": "the file must be a PDF or an image",
    "POST /api/v1/theme/images": "the file must be an image",
    "POST /api/v1/products/{product_id}/images": "the file must be an image",
    "PUT /api/v1/products/{product_id}/video": "the file must be an MP4 video",
    "POST /api/v1/imports": "the file must be a CSV or XLSX with the template's columns",
}

POSITIVE_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "429"]


def _config(token: str) -> schemathesis.Config:
    operations = [
        {"include-name": name, "checks": {"positive_data_acceptance": {"expected-statuses": [*POSITIVE_STATUSES,
                                                                                              "422"]}}}
        for name in DEPENDS_ON_DATA
    ]
    return schemathesis.Config.from_dict({
        "seed": SEED,
        "cache": {"enabled": False},  # nothing carried over between runs: each run is the same
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        # schemathesis's in-process (WSGI) transport asks for gzip like requests does but never decodes the
        # body, so it reads the JSON uncompressed (compression itself: tests/platform/test_compression.py)
        "headers": {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"},
        "checks": {"positive_data_acceptance": {"expected-statuses": POSITIVE_STATUSES}},
        "phases": {"stateful": {"enabled": False}},
        "operations": operations,
        "workers": 1,
    })


def _failures(schema) -> tuple[list[str], list[str]]:
    failures, errors = [], []
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            for case_id, checks in event.recorder.checks.items():
                case = event.recorder.cases[case_id].value
                failures += [f"{event.recorder.label}: {check.name}: {case.method} {case.formatted_path} "
                             f"{str(case.body)[:200]} → {check.failure_info.failure.title}"
                             for check in checks if check.failure_info is not None]
        elif isinstance(event, events.NonFatalError | events.FatalError):
            errors.append(f"{getattr(event, 'label', '')}: {getattr(event, 'value', getattr(event, 'exception', ''))}")
    return sorted(set(failures)), errors


def _rows(app, tenant_id) -> list[int]:
    with app.app_context(), tenant_context(tenant_id):
        counts = [db.session.execute(select(func.count()).select_from(m)).scalar()
                  for m in (Category, Product, Membership, ApiToken)]
        db.session.remove()
    return counts


@pytest.fixture
def quiet_request_log():
    logger = logging.getLogger("kaidian.request")
    level, logger.level = logger.level, logging.WARNING
    yield
    logger.setLevel(level)


def test_the_api_keeps_its_documented_promises(app, client, make_store, quiet_request_log):
    merchant = make_store("fuzz-shop", plan="flagship", categories=["apparel"])
    other = make_store("bystander", plan="pro")
    other_headers = api_token(client, other.login)
    client.post("/api/v1/categories", headers=other_headers, json={"name": "Tea"})
    before = _rows(app, other.tenant_id)
    token = api_token(client, merchant.login)["Authorization"].removeprefix("Bearer ")

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=_config(token))
    for name in EXCLUDED:
        method, path = name.split(" ", 1)
        schema = schema.exclude(method=method, path=path)
    failures, errors = _failures(schema)

    assert not errors, errors
    assert not failures, f"{len(failures)} broken promises:\n" + "\n".join(failures[:40])
    assert _rows(app, other.tenant_id) == before  # generated data never reached another store
