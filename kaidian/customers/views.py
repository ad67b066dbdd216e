"""The customers' store pages and store API on ``SLUG.STORE_DOMAIN``: the shopper login by mobile number
and SMS code, logging out, the member page (a page kind, ``MEMBER``, rendered through the store's theme),
and who is logged in. A closed store never gets here (``tenants.storefront``).

Pages (forms work without JavaScript): ``GET /account/login?next=``, ``POST /account/login/code`` (send a
code), ``POST /account/login`` (log in, then to ``next`` through ``platform/redirects.py``),
``POST /account/logout``; binding a mobile number to the logged-in shopper: ``GET /account/mobile``,
``POST /account/mobile/code``, ``POST /account/mobile``. Store API (JSON, CSRF header like every
cookie-authenticated write): ``POST /api/store/login/code``, ``POST /api/store/login``,
``GET /api/store/customer``, ``POST /api/store/customer/mobile`` (bind).

The address book: the page ``/account/addresses`` (list, add, edit, default, delete; the province →
city → district selects are filled by ``static/addresses.js`` from ``GET /api/store/regions?parent=``,
and rendered by the server for the current choice) and the store API ``/api/store/addresses``
(GET list, POST add; ``/<id>`` PATCH, DELETE; ``/<id>/default`` POST), for logged-in customers only.
Sending codes is limited per IP (``RATELIMIT_SMS``) and per number (the service); logging in per IP
(``RATELIMIT_AUTH``).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from kaidian.platform.errors import AppError
from kaidian.platform.extensions import limiter
from kaidian.platform.redirects import safe_local_path
from kaidian.themes.page_kinds import PageKind, Subject

from . import addresses, regions, services
from .schemas import AddressOut, CustomerOut, RegionOut
from .services import current_customer, require_customer

bp = Blueprint("customers_store", __name__, template_folder="templates")
static_bp = Blueprint("customers_static", __name__, static_folder="static", static_url_path="/static/customers")


def _sms_limit() -> str:
    return current_app.config["RATELIMIT_SMS"]


def _auth_limit() -> str:
    return current_app.config["RATELIMIT_AUTH"]


def _next() -> str:
    return safe_local_path(request.values.get("next")) or "/member"


def _login_page(mobile: str = "", sent: bool = False, error: AppError | None = None, status: int = 200):
    from kaidian.themes.storefront import app_page  # the store's theme around the form

    body = Markup(render_template("customers/login.html", mobile=mobile, sent=sent, error=error,  # autoescaped
                                  next_path=_next()))
    return app_page("member", _("Log in"), body, status=status)


@bp.get("/account/login")
def login_page():
    if current_customer() is not None:
        return redirect(_next())
    return _login_page()


@bp.post("/account/login/code")
@limiter.limit(_sms_limit)
def send_code_form():
    mobile = request.form.get("mobile", "")
    try:
        services.send_login_code({"mobile": mobile})
    except AppError as exc:
        return _login_page(mobile[:11], error=exc, status=exc.status)
    return _login_page(mobile, sent=True)


@bp.post("/account/login")
@limiter.limit(_auth_limit)
def login_form():
    mobile = request.form.get("mobile", "")
    try:
        services.sign_in_with_code({"mobile": mobile, "code": request.form.get("code", "")})
    except AppError as exc:
        return _login_page(mobile[:11], sent=True, error=exc, status=exc.status)
    return redirect(_next())


def wechat_kept_apart_page(customer, continue_url: str):
    """Told after a WeChat login met a mobile-only login in this browser whose number is not this WeChat
    user's (``identities.KEPT_APART``): logged in with WeChat, the number's account kept as it was."""
    from kaidian.themes.storefront import app_page

    message = _("This WeChat account is already linked to another mobile number (%(mobile)s) in this store, so the "
                "two accounts stay separate: you are now logged in with WeChat. Log in with the other number to "
                "see its orders.", mobile=f"{customer.mobile[:3]}****{customer.mobile[-4:]}")
    body = Markup(render_template("customers/notice.html", message=message, continue_url=continue_url))
    return app_page("member", _("Logged in with WeChat"), body)


# --- binding a mobile number from the customer centre (one customer per person: ``identities``) ---------


def _mobile_page(mobile: str = "", sent: bool = False, error: AppError | None = None, status: int = 200):
    from kaidian.themes.storefront import app_page

    customer = current_customer()
    if customer.mobile:
        intro = _("Your account's mobile number is %(mobile)s. Prove a new one to replace it.",
                  mobile=f"{customer.mobile[:3]}****{customer.mobile[-4:]}")
    else:
        intro = _("Add your mobile number: you can then log in with it on any device and find the same cart, "
                  "addresses and orders.")
    body = Markup(render_template("customers/login.html", mobile=mobile, sent=sent, error=error,  # autoescaped
                                  next_path=_next(), intro=intro, code_action="/account/mobile/code",
                                  verify_action="/account/mobile", verify_label=_("Bind this number")))
    return app_page("member", _("Mobile number"), body, status=status)


@bp.get("/account/mobile")
@require_customer
def mobile_page():
    return _mobile_page()


@bp.post("/account/mobile/code")
@require_customer
@limiter.limit(_sms_limit)
def mobile_code_form():
    mobile = request.form.get("mobile", "")
    try:
        services.send_login_code({"mobile": mobile})
    except AppError as exc:
        return _mobile_page(mobile[:11], error=exc, status=exc.status)
    return _mobile_page(mobile, sent=True)


@bp.post("/account/mobile")
@require_customer
@limiter.limit(_auth_limit)
def mobile_bind_form():
    mobile = request.form.get("mobile", "")
    try:
        services.bind_mobile(current_customer(), {"mobile": mobile, "code": request.form.get("code", "")})
    except AppError as exc:
        return _mobile_page(mobile[:11], sent=True, error=exc, status=exc.status)
    return redirect(_next())


@bp.post("/api/store/customer/mobile")
@require_customer
@limiter.limit(_auth_limit)
def bind_mobile():
    """Bind ``{"mobile", "code"}`` (the code from ``/api/store/login/code``) to the logged-in shopper:
    the customer; 400 ``invalid_code``, 409 ``mobile_taken`` (another WeChat user's number), 422 bad input.
    A mobile-only customer holding the number is merged into this one (``identities``)."""
    customer = services.bind_mobile(current_customer(), request.get_json(silent=True))
    return _no_store(jsonify(CustomerOut().dump(customer)))


@bp.post("/account/logout")
def logout():
    services.sign_out()
    return redirect("/")


def member_subject() -> Subject:
    """The logged-in shopper (the page is private: never shared-cached); a shopper not logged in goes
    to the login page first, and comes back here after."""
    customer = services.current_customer()
    if customer is None:
        return Subject(response=redirect(services.login_url(request.full_path.rstrip("?"))))
    return Subject(customer={"nickname": customer.display_name, "avatar": customer.avatar,
                             "mobile_bound": bool(getattr(customer, "mobile", None))})


MEMBER = PageKind("member", _l("Member page"), path="/member", routes=("/member",), subject=member_subject,
                  meta=lambda subject: (_("Me"), "", ""), private=True, position=40, stylesheet="member.css")


def _no_store(response):
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/api/store/login/code")
@limiter.limit(_sms_limit)
def send_code():
    """Send a login code to ``{"mobile"}``: 204; 422 bad number, 429 too many codes, 503 not sent."""
    services.send_login_code(request.get_json(silent=True))
    return "", 204


@bp.post("/api/store/login")
@limiter.limit(_auth_limit)
def login():
    """Log in with ``{"mobile", "code"}``: the customer; 400 ``invalid_code``, 422 bad input."""
    customer = services.sign_in_with_code(request.get_json(silent=True))
    return _no_store(jsonify(CustomerOut().dump(customer)))


@bp.get("/api/store/customer")
@require_customer
def me():
    """The logged-in shopper (401 when nobody is)."""
    return _no_store(jsonify(CustomerOut().dump(current_customer())))


# --- the address book ----------------------------------------------------------------------------------

@bp.get("/api/store/regions")
def region_children():
    """The provinces, or the children of ``?parent=`` (a province's cities, a city's districts)."""
    parent = request.args.get("parent", "")
    if parent and regions.region(parent) is None:
        return jsonify({"error": {"code": "not_found", "message": _("No such region."), "fields": {}}}), 404
    response = jsonify({"parent": parent, "regions": RegionOut(many=True).dump(regions.children(parent))})
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/api/store/addresses")
@require_customer
def address_list():
    return _no_store(jsonify({"addresses": AddressOut(many=True).dump(addresses.list_addresses(current_customer()))}))


@bp.post("/api/store/addresses")
@require_customer
def address_create():
    address = addresses.create_address(current_customer(), request.get_json(silent=True))
    return _no_store(jsonify(AddressOut().dump(address))), 201


@bp.patch("/api/store/addresses/<uuid:address_id>")
@require_customer
def address_update(address_id):
    address = addresses.update_address(current_customer(), address_id, request.get_json(silent=True))
    return _no_store(jsonify(AddressOut().dump(address)))


@bp.delete("/api/store/addresses/<uuid:address_id>")
@require_customer
def address_delete(address_id):
    addresses.delete_address(current_customer(), address_id)
    return "", 204


@bp.post("/api/store/addresses/<uuid:address_id>/default")
@require_customer
def address_default(address_id):
    return _no_store(jsonify(AddressOut().dump(addresses.set_default(current_customer(), address_id))))


def _address_page(form: dict | None = None, error: AppError | None = None, editing=None, status: int = 200):
    from kaidian.themes.storefront import app_page

    customer = current_customer()
    form = form or {}
    province, city = form.get("province_code", ""), form.get("city_code", "")
    body = Markup(render_template(  # autoescaped
        "customers/addresses.html", addresses=addresses.list_addresses(customer), written=addresses.written_form,
        form=form, error=error, editing=editing, provinces=regions.children(),
        cities=regions.children(province) if province else [], districts=regions.children(city) if city else [],
        max_addresses=addresses.MAX_PER_CUSTOMER))
    return app_page("member", _("My addresses"), body, status=status,
                    scripts=[url_for("customers_static.static", filename="addresses.js")])


def _form_values() -> dict:
    values = {name: request.form.get(name, "") for name in
              ("recipient", "mobile", "province_code", "city_code", "district_code", "detail")}
    values["is_default"] = request.form.get("is_default") == "1"
    return values


@bp.get("/account/addresses")
@require_customer
def addresses_page():
    return _address_page()


@bp.get("/account/addresses/<uuid:address_id>/edit")
@require_customer
def address_edit_page(address_id):
    address = addresses.get_address(current_customer(), address_id)
    form = {name: getattr(address, name) for name in
            ("recipient", "mobile", "province_code", "city_code", "district_code", "detail", "is_default")}
    return _address_page(form, editing=address)


@bp.post("/account/addresses")
@require_customer
def address_create_form():
    values = _form_values()
    try:
        addresses.create_address(current_customer(), values)
    except AppError as exc:
        return _address_page(values, exc, status=exc.status)
    return redirect(url_for(".addresses_page"))


@bp.post("/account/addresses/<uuid:address_id>")
@require_customer
def address_update_form(address_id):
    values = _form_values()
    try:
        addresses.update_address(current_customer(), address_id, values)
    except AppError as exc:
        if exc.status == 404:
            raise
        return _address_page(values, exc, editing=addresses.get_address(current_customer(), address_id),
                             status=exc.status)
    return redirect(url_for(".addresses_page"))


@bp.post("/account/addresses/<uuid:address_id>/default")
@require_customer
def address_default_form(address_id):
    addresses.set_default(current_customer(), address_id)
    return redirect(url_for(".addresses_page"))


@bp.post("/account/addresses/<uuid:address_id>/delete")
@require_customer
def address_delete_form(address_id):
    addresses.delete_address(current_customer(), address_id)
    return redirect(url_for(".addresses_page"))
