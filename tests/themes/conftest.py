"""Fixtures for the themes tests: stores of each industry, a logged-in merchant and API headers."""

from __future__ import annotations

import pytest

from tests.conftest import api_token


@pytest.fixture
def alpha(make_store):
    return make_store("alpha", plan="pro", categories=["apparel"])


@pytest.fixture
def alpha_api(app, alpha):
    return api_token(app.test_client(), alpha.login)
