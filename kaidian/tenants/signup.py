"""The signup page on the platform host."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kaidian.billing import services as billing
from kaidian.billing.plans import DEFAULT_PLAN
from kaidian.platform.auth import sign_in
from kaidian.platform.errors import AppError
from kaidian.platform.extensions import auth_limit, limiter

from . import services

bp = Blueprint("signup", __name__, template_folder="templates")


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(auth_limit, methods=["POST"])
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
    form = {"plan": request.args.get("plan", DEFAULT_PLAN), "categories": []}
    return render_template("tenants/signup.html", errors={}, form=form, plans=plans)
