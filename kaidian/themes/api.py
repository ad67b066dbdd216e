"""The themes JSON API (``/api/v1/theme…``, ``/api/v1/pages…``): what the builder uses.

Reads need ``store.view``; saving drafts, uploading images and the live section preview need
``pages.edit``; publishing, restoring the live page, deleting pages and switching templates need
``pages.publish``. Every handler is a thin call into ``services``/``preview``.
"""

from __future__ import annotations

from flask import g, request
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint

from kaidian.platform.auth import acting_user, require_staff, resolve_ids_first
from kaidian.platform.schemas import FileSchema
from kaidian.platform.storage import read_upload

from . import industries, preview, registry, services, switching
from .errors import DocumentInvalid
from .schemas import (
    DocumentDraftSchema,
    DocumentPublishSchema,
    PageCreateSchema,
    PageRestoreSchema,
    PageSchema,
    PageSummarySchema,
    PageVersionDetailSchema,
    PageVersionSchema,
    RenderedSectionSchema,
    RenderSectionSchema,
    ThemeImageSchema,
    ThemeSchema,
    ThemeTemplateSchema,
    ThemeTemplateSwitchSchema,
)

themes_api = Blueprint("themes_api", __name__, url_prefix="/api/v1",
                       description="Storefront theme, page documents and the builder's live preview")

resolve_ids_first(themes_api, {"handle": lambda handle: services.check_page_exists(g.tenant, handle)})


@themes_api.route("/theme")
class Theme(MethodView):
    @require_staff("store.view")
    @themes_api.response(200, ThemeSchema)
    def get(self):
        """The store's theme: template and global settings (draft and published)."""
        return services.get_theme(g.tenant)


@themes_api.route("/theme/draft")
class ThemeDraft(MethodView):
    @require_staff("pages.edit")
    @themes_api.arguments(DocumentDraftSchema)
    @themes_api.response(200, ThemeSchema)
    def put(self, data):
        """Save the global settings draft (``document``: settings, blocks = tab bar, block_order)."""
        return services.save_theme_draft(g.tenant, data["document"], data["base_revision"], acting_user())


@themes_api.route("/theme/publish")
class ThemePublish(MethodView):
    @require_staff("pages.publish")
    @themes_api.arguments(DocumentPublishSchema, required=False)
    @themes_api.response(200, ThemeSchema)
    def post(self, data):
        """Make the global settings draft live."""
        return services.publish_theme(g.tenant, acting_user(), data["base_revision"])


@themes_api.route("/theme/templates")
class Templates(MethodView):
    @require_staff("store.view")
    @themes_api.response(200, ThemeTemplateSchema(many=True))
    def get(self):
        """The industry templates: clothing, beauty, food, digital."""
        return [industries.describe(key) for key in industries.INDUSTRIES]


@themes_api.route("/theme/template")
class TemplateSwitch(MethodView):
    @require_staff("pages.publish")
    @themes_api.arguments(ThemeTemplateSwitchSchema)
    @themes_api.response(200, ThemeSchema)
    def post(self, data):
        """Switch template, keeping the merchant's content (published at once; history kept)."""
        return switching.switch_template(g.tenant, data["template"], acting_user())


@themes_api.route("/theme/sections")
class Sections(MethodView):
    @require_staff("store.view")
    @themes_api.response(200)
    def get(self):
        """The section library as JSON: every section type's settings, blocks, limits and presets,
        the theme's settings, the page settings and the document limits."""
        return registry.describe_library()


@themes_api.route("/theme/images")
class Images(MethodView):
    @require_staff("pages.edit")
    @themes_api.arguments(FileSchema, location="files")
    @themes_api.response(201, ThemeImageSchema)
    def post(self, files):
        """Upload an image for a section (multipart field ``file``); returns the key to put in an
        image setting."""
        return services.upload_image(g.tenant, read_upload(request.files.get("file")))


@themes_api.route("/theme/render-section")
class RenderSection(MethodView):
    @require_staff("pages.edit")
    @themes_api.arguments(RenderSectionSchema)
    @themes_api.response(200, RenderedSectionSchema)
    def post(self, data):
        """Render one section of a draft (the builder's live preview): send ``section`` or a
        ``document`` with ``section_id``; ``theme`` optionally overrides the theme draft."""
        section = data["section"]
        if section is None:
            section = (data["document"].get("sections") or {}).get(data["section_id"])
            if not isinstance(section, dict):
                raise DocumentInvalid(fields={"section_id": [str(_l("The document has no section with this id."))]})
        return preview.render_draft_section(g.tenant, data["page"], data["section_id"], section, data["theme"],
                                            data["subject"], data["q"])


@themes_api.route("/pages")
class Pages(MethodView):
    @require_staff("store.view")
    @themes_api.response(200, PageSummarySchema(many=True))
    def get(self):
        """The store's pages: the five system pages and custom pages."""
        return services.list_pages(g.tenant)

    @require_staff("pages.edit")
    @themes_api.arguments(PageCreateSchema)
    @themes_api.response(201, PageSchema)
    def post(self, data):
        """Create a custom page (``/pages/<handle>``), within the plan's page limit."""
        return services.create_page(g.tenant, data["handle"], data["title"], acting_user())


@themes_api.route("/pages/<handle>")
class PageItem(MethodView):
    @require_staff("store.view")
    @themes_api.response(200, PageSchema)
    def get(self, handle: str):
        """A page with its draft and published documents and revision numbers."""
        return services.get_page(g.tenant, handle)

    @require_staff("pages.publish")
    @themes_api.response(204)
    def delete(self, handle: str):
        """Delete a custom page."""
        services.delete_page(g.tenant, handle, acting_user())


@themes_api.route("/pages/<handle>/draft")
class PageDraft(MethodView):
    @require_staff("pages.edit")
    @themes_api.arguments(DocumentDraftSchema)
    @themes_api.response(200, PageSchema)
    def put(self, data, handle: str):
        """Save the draft; ``base_revision`` must be the ``draft_revision`` it was based on (else 409)."""
        return services.save_draft(g.tenant, handle, data["document"], data["base_revision"], acting_user())


@themes_api.route("/pages/<handle>/publish")
class PagePublish(MethodView):
    @require_staff("pages.publish")
    @themes_api.arguments(DocumentPublishSchema, required=False)
    @themes_api.response(200, PageSchema)
    def post(self, data, handle: str):
        """Publish the draft as a new version."""
        return services.publish(g.tenant, handle, acting_user(), data["base_revision"], data["note"])


@themes_api.route("/pages/<handle>/versions")
class PageVersions(MethodView):
    @require_staff("store.view")
    @themes_api.response(200, PageVersionSchema(many=True))
    def get(self, handle: str):
        """Published versions, newest first (at most 50)."""
        return services.versions(g.tenant, handle)


@themes_api.route("/pages/<handle>/versions/<int:version>")
class PageVersionItem(MethodView):
    @require_staff("store.view")
    @themes_api.response(200, PageVersionDetailSchema)
    def get(self, handle: str, version: int):
        return services.get_version(g.tenant, handle, version)


@themes_api.route("/pages/<handle>/versions/<int:version>/restore")
class PageRestore(MethodView):
    @require_staff("pages.edit")
    @themes_api.arguments(PageRestoreSchema)
    @themes_api.response(200, PageSchema)
    def post(self, data, handle: str, version: int):
        """Copy a published version into the draft (publish to make it live again)."""
        return services.restore(g.tenant, handle, version, acting_user(), data["base_revision"])
