"""Fixtures for the customers tests: two stores."""

from __future__ import annotations

import pytest


@pytest.fixture
def alpha(make_store):
    return make_store("alpha")


@pytest.fixture
def bravo(make_store):
    return make_store("bravo")
