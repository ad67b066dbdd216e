"""The builder's JSON endpoints beyond the themes API (``/api/v1/pages…``, ``/api/v1/theme…``,
which the editor uses for drafts, publishing, versions, restore, images and the section preview):

* ``POST /api/v1/builder/pages/<handle>/render``: a whole page from an unsaved document and theme,
  rendered by the storefront renderer (the editor swaps it into the preview frame when the theme
  changes, after a restore or a template switch), never saved;
* ``GET /api/v1/builder/media``: the store's media library (the images its pages already use).
"""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from kaidian.platform.auth import require_staff, resolve_ids_first
from kaidian.themes import public as themes

from . import services
from .schemas import MediaSchema, PageRenderSchema, RenderedPageSchema

builder_api = Blueprint("builder_api", __name__, url_prefix="/api/v1/builder",
                        description="The web builder: whole-page preview and the media library")

resolve_ids_first(builder_api, {"handle": lambda handle: themes.check_page_exists(g.tenant, handle)})


@builder_api.route("/pages/<handle>/render")
class PageRender(MethodView):
    @require_staff("pages.edit")
    @builder_api.arguments(PageRenderSchema)
    @builder_api.response(200, RenderedPageSchema)
    def post(self, data, handle: str):
        """Render an unsaved page document (and theme draft) as the storefront would show it."""
        html = services.render_preview(g.tenant, handle, data["document"], data["theme"], data["subject"], data["q"])
        return {"html": html}


@builder_api.route("/media")
class Media(MethodView):
    @require_staff("pages.edit")
    @builder_api.response(200, MediaSchema(many=True))
    def get(self):
        """Images the store's theme and pages use, for the image picker (upload new ones with
        ``POST /api/v1/theme/images``)."""
        return services.media_library(g.tenant)
