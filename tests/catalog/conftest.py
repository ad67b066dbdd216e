"""Fixtures of the catalog tests: a store on the basic plan, its owner's API token."""

import pytest

from tests.conftest import api_token


@pytest.fixture
def store(make_store):
    return make_store("alpha")


@pytest.fixture
def headers(client, store):
    """The owner's token; English, so the messages the tests read are the msgids."""
    return {**api_token(client, store.login), "Accept-Language": "en"}


@pytest.fixture
def other_store(make_store):
    return make_store("bravo")


@pytest.fixture
def other_headers(app, other_store):
    return {**api_token(app.test_client(), other_store.login), "Accept-Language": "en"}
