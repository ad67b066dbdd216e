"""The signup page on the platform host."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kaidian.billing import services as billing
from kaidian.platform.auth import sign_in
from kaidian.platform.errors import AppError
from kaidian.platform.extensions import limiter

from . import services

bp = Blueprint("signup", __name__, template_folder="templates")


def _limit() -> str:
    return current_app.config["RATELIMIT_AUTH"]


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def signup():
    plans = billing.all_plans()
    if request.method == "POST":
        form = {**request.form.to_dict(), "categories": request.form.getlist("categories")}
        try:
            user, tenant = services.signup(form)
        except AppError as exc:
            return render_template("tenants/signup.html", errors=exc.fields, form=form, plans=plans), 422
        sign_in(user)
        flash(_("Welcome! Your store is in a %(days)s-day trial.", days=current_app.config["TRIAL_DAYS"]), "success")
        return redirect(url_for("merchant.dashboard"))
    form = {"plan": request.args.get("plan", "basic"), "categories": []}
    return render_template("tenants/signup.html", errors={}, form=form, plans=plans)
