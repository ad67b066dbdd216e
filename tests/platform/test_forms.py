"""The admin forms' helper (``platform/forms.py``): the action is one unit of work; success is flashed
and redirected; a refusal is flashed (with field problems on request), nothing of it is kept, and the
browser goes back or the form is drawn again; NotFound stays a 404."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages
from sqlalchemy import select

from kaidian.platform import audit
from kaidian.platform.errors import NotFound, ValidationFailed
from kaidian.platform.extensions import db
from kaidian.platform.forms import error_text, form_action
from kaidian.platform.models import AuditEvent
from kaidian.platform.tenancy import tenant_context


@pytest.fixture
def store_request(app, make_store):
    store = make_store("formshop")
    with app.test_request_context("/admin/x", method="POST"), tenant_context(store.tenant_id):
        yield store.tenant_id
        db.session.remove()


def kept(app, tenant_id) -> list[str]:
    with app.app_context(), tenant_context(tenant_id):
        rows = list(db.session.execute(select(AuditEvent.action).where(AuditEvent.action.like("form.%"))).scalars())
        db.session.remove()
    return rows


def test_success_commits_flashes_and_redirects(app, store_request):
    response = form_action(lambda: audit.record("form.saved"), success=lambda row: f"saved {row.action}",
                           redirect_to=lambda row: f"/admin/{row.action}")
    assert response.status_code == 302 and response.location == "/admin/form.saved"
    assert get_flashed_messages(with_categories=True) == [("success", "saved form.saved")]
    assert kept(app, store_request) == ["form.saved"]


def test_a_refusal_keeps_nothing_flashes_why_and_goes_back(app, store_request):
    def refused():
        audit.record("form.half-done")
        raise ValidationFailed(fields={"name": ["Too long."], "slug": ["Taken."]})

    response = form_action(refused, success="never", redirect_to="/admin/back", details=True)
    assert response.status_code == 302 and response.location == "/admin/back"
    [(category, text)] = get_flashed_messages(with_categories=True)
    assert category == "error" and text.endswith("Too long. Taken.")
    assert kept(app, store_request) == []


def test_a_refused_form_is_drawn_again_by_on_error(app, store_request):
    response = form_action(lambda: (_ for _ in ()).throw(ValidationFailed(fields={"name": ["Required."]})),
                           redirect_to="/admin/back", on_error=lambda exc: ("form again: " + ",".join(exc.fields), 422))
    assert response == ("form again: name", 422)
    assert [c for c, _ in get_flashed_messages(with_categories=True)] == ["error"]


def test_not_found_is_a_404_not_a_flash(app, store_request):
    def missing():
        audit.record("form.other-store")
        raise NotFound()

    with pytest.raises(NotFound):
        form_action(missing, success="never", redirect_to="/admin/back")
    assert get_flashed_messages() == []
    assert kept(app, store_request) == []


def test_error_text_lists_field_problems_only_when_asked(ctx):
    exc = ValidationFailed(fields={"a": ["One."], "b": ["Two."]})
    assert error_text(exc) == str(exc.message)
    assert error_text(exc, details=True) == f"{exc.message} One. Two."
