"""The mini program's login endpoint on the platform host: ``POST /api/mp/login`` (JSON in and out; the
mini program sends no cookie, so no CSRF token). The use case is ``mini_program_login.log_in``."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from kaidian.platform.extensions import auth_limit, limiter

from . import mini_program_login

bp = Blueprint("wechat_mp", __name__)


@bp.post("/api/mp/login")
@limiter.limit(auth_limit)
def login():
    """``{"appid", "code", "store"}`` → ``{"token", "expires_in", "customer"}``; 422 bad input, 403 a mini
    program not bound to that store, 400 a wrong / expired / used code, 5xx when WeChat fails."""
    response = jsonify(mini_program_login.log_in(request.get_json(silent=True)))
    response.headers["Cache-Control"] = "private, no-store"
    return response
