"""The admin forms' one pattern: call a service as one unit of work, then flash and redirect.

Every merchant and console form does the same thing: run the use case, say it worked and go back to
a page (post / redirect / get); when the service refuses (an ``AppError``), say why and either go
back to the same page or draw the form again with each field's problem (422). ``NotFound`` is never
flashed: an id that is not this store's stays a 404.

    return form_action(lambda: taxonomy.delete_group(taxonomy.get_group(group_id)),
                       success=_("Group deleted."), redirect_to=url_for(".groups"))

    return form_action(lambda: staff.add(g.tenant, form, current_user), success=_("Staff member added."),
                       redirect_to=url_for("merchant.staff_list"),
                       on_error=lambda exc: render_template("merchant/staff.html", errors=exc.fields), 422)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect

from .errors import AppError, NotFound
from .unit import unit


def error_text(exc: AppError, details: bool = False) -> str:
    """The refusal as one flash line: the message, and with ``details`` each field's problem too."""
    problems = [str(m) for messages in (exc.fields or {}).values() if isinstance(messages, list) for m in messages] \
        if details else []
    return " ".join([str(exc.message), *problems])


def form_action(action: Callable[[], Any], *, success=None, redirect_to, on_error: Callable | None = None,
                details: bool = False):
    """Run ``action()`` in a unit of work (committed before the redirect).

    On success: flash ``success`` (a string, or a callable given the action's result) and redirect to
    ``redirect_to`` (a URL, or a callable given the result). On an ``AppError``: flash
    :func:`error_text` and answer ``on_error(exc)`` (a form drawn again) or else redirect to
    ``redirect_to`` (with no result: the page the form was on)."""
    try:
        with unit():
            result = action()
    except NotFound:
        raise
    except AppError as exc:
        flash(error_text(exc, details), "error")
        if on_error is not None:
            return on_error(exc)
        return redirect(redirect_to(None) if callable(redirect_to) else redirect_to)
    message = success(result) if callable(success) else success
    if message:
        flash(message, "success")
    return redirect(redirect_to(result) if callable(redirect_to) else redirect_to)
