"""Fixtures of the builder tests: a store (its theme set up on first use) and its owner's API token."""

from __future__ import annotations

import pytest

from tests.conftest import api_token

from .helpers import SLUG


@pytest.fixture
def store(make_store):
    return make_store(SLUG, plan="basic", categories=["apparel"])


@pytest.fixture
def owner(app, store):
    return api_token(app.test_client(), store.login, store=store.slug)
