"""Password hashing cost: full Argon2id cost by default, a cheap cost only in tests (the suite sets one),
and an app that is not testing refuses to start with a cheap cost."""

import pytest

from kaidian.platform.app import create_app
from kaidian.platform.secrets import hash_password, verify_password

CHEAP = {"PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 64, "PASSWORD_HASH_PARALLELISM": 1}


def _production_app(**overrides):
    return create_app({"DATABASE_URL": "sqlite://", "LOG_JSON": False, **overrides})


def test_an_app_that_is_not_testing_hashes_at_full_argon2id_cost():
    with _production_app().app_context():
        digest = hash_password("goodpass123")
        assert digest.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        assert verify_password(digest, "goodpass123")


@pytest.mark.parametrize("name", ["PASSWORD_HASH_TIME_COST", "PASSWORD_HASH_MEMORY_KIB"])
def test_an_app_that_is_not_testing_refuses_a_cheap_cost(name):
    with pytest.raises(RuntimeError, match=name):
        _production_app(**{name: CHEAP[name]})


def test_a_cheap_cost_is_allowed_when_testing_and_its_hashes_verify_anywhere():
    with create_app({"DATABASE_URL": "sqlite://", "LOG_JSON": False, "TESTING": True, **CHEAP}).app_context():
        digest = hash_password("goodpass123")
    assert digest.startswith("$argon2id$v=19$m=64,t=1,p=1$")
    with _production_app().app_context():  # the cost is read from the hash, not from the configuration
        assert verify_password(digest, "goodpass123")
        assert not verify_password(digest, "wrongpass123")


def test_the_suite_hashes_cheaply(app):
    assert app.config["TESTING"] and app.config["PASSWORD_HASH_MEMORY_KIB"] < 19456
