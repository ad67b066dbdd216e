"""The mini program's customer endpoints (``customers/app_sessions.py`` explains the token and the hand-off).

On the platform host, JSON, ``Authorization: Bearer <token>`` (no cookie, so no CSRF token):
``GET /api/mp/customer`` (who is logged in), ``POST /api/mp/web-session`` (a hand-off ticket for the
web-view), ``POST /api/mp/logout``. The login itself (``POST /api/mp/login``) belongs to the package that
proves who the shopper is: ``wechat`` (jscode2session).

On the store's host: ``GET /account/app-handoff?ticket=&next=`` signs the shopper in on the web pages and
redirects to ``next`` (a local path, through ``platform/redirects.py``).
"""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, request

from kaidian.platform.redirects import safe_local_path

from . import app_sessions
from .schemas import CustomerOut
from .services import current_customer

api_bp = Blueprint("customers_app", __name__)
handoff_bp = Blueprint("customers_app_handoff", __name__)


def _no_store(response):
    response.headers["Cache-Control"] = "private, no-store"
    return response


@api_bp.get("/api/mp/customer")
@app_sessions.require_app_customer
def customer():
    return _no_store(jsonify(CustomerOut().dump(current_customer())))


@api_bp.post("/api/mp/web-session")
@app_sessions.require_app_customer
def web_session():
    """``{"ticket", "expires_in"}``: open ``<store>/account/app-handoff?ticket=…&next=…`` in the web-view."""
    ticket = app_sessions.handoff_ticket(app_sessions.current_app_session())
    return _no_store(jsonify({"ticket": ticket, "expires_in": app_sessions.HANDOFF_SECONDS}))


@api_bp.post("/api/mp/logout")
@app_sessions.require_app_customer
def logout():
    app_sessions.end(app_sessions.current_app_session())
    return "", 204


@handoff_bp.get("/account/app-handoff")
def accept_handoff():
    app_sessions.accept_handoff(request.args.get("ticket", ""))
    response = redirect(safe_local_path(request.args.get("next")) or "/")
    return _no_store(response)
