"""A confirmation step for destructive actions that works with the Content-Security-Policy.

With JavaScript, ``static/forms.js`` asks in a ``<dialog>`` (the form or button carries
``data-confirm``) and adds ``confirmed=1``. A post without it (no JavaScript, or a replayed form) gets
a confirmation page instead of the action: the same fields, posted again with ``confirmed=1``.
"""

from __future__ import annotations

from flask import render_template, request


def confirmed() -> bool:
    return request.form.get("confirmed") == "1"


def confirmation_page(message: str, button: str, cancel_url: str):
    """The page asking ``message``; confirming posts the same form again to the same URL."""
    fields = [(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", "confirmed")]
    return render_template("platform/confirm.html", message=message, button=button, cancel_url=cancel_url,
                           action=request.path, fields=fields)
