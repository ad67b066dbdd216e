"""The tenants package's JSON API: signup, store profile, staff, qualifications, and the
platform's tenant management. Every handler calls the same services as the HTML pages."""

from __future__ import annotations

import uuid

from flask import g, request
from flask.views import MethodView
from flask_smorest import Blueprint

from kaidian.platform.auth import acting_user, require_platform_admin, require_staff, resolve_ids_first
from kaidian.platform.extensions import auth_limit, db, limiter
from kaidian.platform.schemas import FileSchema
from kaidian.platform.storage import read_upload

from . import qualifications, queries, services, staff
from .schemas import (
    ProfileSchema,
    QualificationSchema,
    QualificationUploadSchema,
    ReviewSchema,
    SignupSchema,
    StaffCreateSchema,
    StaffSchema,
    StaffUpdateSchema,
    SuspendSchema,
    TenantQuerySchema,
    TenantSchema,
)

store_api = Blueprint("store_api", __name__, url_prefix="/api/v1", description="Signup and the current store")
platform_api = Blueprint("platform_api", __name__, url_prefix="/api/v1/platform",
                         description="Platform administration")


resolve_ids_first(store_api, {"member_id": staff.get, "qualification_id": qualifications.get})


@store_api.route("/signup")
class Signup(MethodView):
    decorators = [limiter.limit(auth_limit)]

    @store_api.arguments(SignupSchema)
    @store_api.response(201, TenantSchema)
    def post(self, data):
        """Sign up: create the owner's account and a store in a trial of the chosen plan."""
        _, tenant = services.signup(data)
        return tenant


@store_api.route("/store")
class Store(MethodView):
    @require_staff("store.view")
    @store_api.response(200, TenantSchema)
    def get(self):
        """The current store's profile."""
        return g.tenant

    @require_staff("store.edit_profile")
    @store_api.arguments(ProfileSchema(partial=True))
    @store_api.response(200, TenantSchema)
    def patch(self, data):
        """Update the store's profile."""
        return services.update_profile(g.tenant, data, acting_user())


@store_api.route("/store/logo")
class StoreLogo(MethodView):
    @require_staff("store.edit_profile")
    @store_api.arguments(FileSchema, location="files")
    @store_api.response(200, TenantSchema)
    def post(self, files):
        """Upload the logo (multipart field ``file``); it is re-encoded as a 300×300 PNG."""
        services.set_logo(g.tenant, read_upload(request.files.get("file")), acting_user())
        return g.tenant


@store_api.route("/staff")
class StaffList(MethodView):
    @require_staff("store.view")
    @store_api.response(200, StaffSchema(many=True))
    def get(self):
        """The store's members."""
        return staff.members(g.tenant)

    @require_staff("store.staff")
    @store_api.arguments(StaffCreateSchema)
    @store_api.response(201, StaffSchema)
    def post(self, data):
        """Add a member (an account is created and emailed a set-password link if needed)."""
        return staff.add(g.tenant, data, acting_user())


@store_api.route("/staff/<uuid:member_id>")
class StaffItem(MethodView):
    @require_staff("store.view")
    @store_api.response(200, StaffSchema)
    def get(self, member_id: uuid.UUID):
        return staff.get(member_id)

    @require_staff("store.staff")
    @store_api.arguments(StaffUpdateSchema)
    @store_api.response(200, StaffSchema)
    def patch(self, data, member_id: uuid.UUID):
        return staff.update(staff.get(member_id), data, acting_user(), g.tenant)

    @require_staff("store.staff")
    @store_api.response(204)
    def delete(self, member_id: uuid.UUID):
        staff.remove(staff.get(member_id), acting_user(), g.tenant)


@store_api.route("/qualifications")
class QualificationList(MethodView):
    @require_staff("store.view")
    @store_api.response(200, QualificationSchema(many=True))
    def get(self):
        """The store's licences and their review status (with the reviewer's reason)."""
        return qualifications.list_for(g.tenant)

    @require_staff("store.qualifications")
    @store_api.arguments(QualificationUploadSchema, location="form")
    @store_api.arguments(FileSchema, location="files")
    @store_api.response(201, QualificationSchema)
    def post(self, data, files):
        """Upload a licence (multipart: ``kind``, ``number``, ``file`` as PDF or image)."""
        return qualifications.upload(g.tenant, request.form.to_dict(), read_upload(request.files.get("file")),
                                     acting_user())


@store_api.route("/qualifications/<uuid:qualification_id>")
class QualificationItem(MethodView):
    @require_staff("store.view")
    @store_api.response(200, QualificationSchema)
    def get(self, qualification_id: uuid.UUID):
        return qualifications.get(qualification_id)

    @require_staff("store.qualifications")
    @store_api.response(204)
    def delete(self, qualification_id: uuid.UUID):
        qualifications.delete(qualifications.get(qualification_id), acting_user(), g.tenant)


# --- platform administration --------------------------------------------------------------


@platform_api.route("/tenants")
class TenantList(MethodView):
    @require_platform_admin
    @platform_api.arguments(TenantQuerySchema, location="query")
    @platform_api.response(200, TenantSchema(many=True))
    def get(self, args):
        """Search stores by name, slug or contact; filter by status and plan."""
        rows, total = queries.search_tenants(**args)
        return rows, {"X-Total-Count": str(total)}


@platform_api.route("/tenants/<uuid:tenant_id>")
class TenantItem(MethodView):
    @require_platform_admin
    @platform_api.response(200, TenantSchema)
    def get(self, tenant_id: uuid.UUID):
        return queries.tenant_or_404(tenant_id)


@platform_api.route("/tenants/<uuid:tenant_id>/suspend")
class TenantSuspend(MethodView):
    @require_platform_admin
    @platform_api.arguments(SuspendSchema)
    @platform_api.response(200, TenantSchema)
    def post(self, data, tenant_id: uuid.UUID):
        """Suspend a store: shoppers see it closed, its admin becomes read-only."""
        tenant = queries.tenant_or_404(tenant_id)
        services.suspend(tenant, data["reason"], acting_user())
        return tenant


@platform_api.route("/tenants/<uuid:tenant_id>/resume")
class TenantResume(MethodView):
    @require_platform_admin
    @platform_api.response(200, TenantSchema)
    def post(self, tenant_id: uuid.UUID):
        tenant = queries.tenant_or_404(tenant_id)
        services.resume(tenant, acting_user())
        return tenant


@platform_api.route("/tenants/<uuid:tenant_id>/qualifications")
class TenantQualifications(MethodView):
    @require_platform_admin
    @platform_api.response(200, QualificationSchema(many=True))
    def get(self, tenant_id: uuid.UUID):
        return qualifications.list_for(queries.tenant_or_404(tenant_id))


@platform_api.route("/tenants/<uuid:tenant_id>/qualifications/<uuid:qualification_id>/review")
class QualificationReview(MethodView):
    @require_platform_admin
    @platform_api.arguments(ReviewSchema)
    @platform_api.response(200, QualificationSchema)
    def post(self, data, tenant_id: uuid.UUID, qualification_id: uuid.UUID):
        """Approve or reject a licence; a rejection needs a reason, which the merchant sees."""
        tenant = queries.tenant_or_404(tenant_id)
        row = queries.qualification_of(tenant, qualification_id)
        return qualifications.review(row, data, acting_user(), tenant)


__all__ = ["store_api", "platform_api", "db"]
