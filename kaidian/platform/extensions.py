"""Unbound Flask extensions, bound to an app in ``create_app``."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def auth_limit() -> str:
    """The rate limit of every login, signup and password form or endpoint (``RATELIMIT_AUTH``)."""
    from flask import current_app

    return current_app.config["RATELIMIT_AUTH"]
api = Api()  # its ERROR_SCHEMA is errors.ErrorSchema, set in create_app


def _sqlite_transactions_like_postgresql() -> None:
    """SQLAlchemy's documented pysqlite recipe: let SQLAlchemy emit BEGIN itself so that SAVEPOINTs
    (nested transactions, used by imports) behave on the embedded SQLite default as on PostgreSQL."""
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def _connect(dbapi_connection, connection_record):
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.isolation_level = None

    @event.listens_for(Engine, "begin")
    def _begin(connection):
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN")


_sqlite_transactions_like_postgresql()
