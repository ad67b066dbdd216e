"""The web builder: the drag-and-drop editor and the page-document API.

The editor (``/admin/builder/<page>``) edits the page documents of ``kaidian.themes`` through the
themes API; the preview frame shows the real storefront renderer's output, updated section by
section. See ``views.py`` (pages), ``api.py`` (what the editor needs beyond the themes API) and
``assets/`` (the editor's JavaScript, bundled by ``make assets``).
"""

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    from kaidian.platform import console, sites

    from . import api, views

    sites.register(app, views.bp, sites.PLATFORM)
    sites.register(app, views.static_bp, sites.ANY)
    sites.register_api(api.builder_api, sites.PLATFORM)
    console.add_merchant_nav("builder.pages", _l("Store design"))
