"""The merchant's orders JSON API (``/api/v1``): orders (list with filters, detail with the timeline,
ship, price change before payment, cancel an unpaid order, remark), after-sales (approve, reject,
goods received back, retry a failed refund), freight templates, pickup points and the order
settings. Money is in fen; lists are paginated with the total in ``X-Total-Count``. Every handler
calls the same services as the admin page; another store's id is a 404 before anything is read."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from kaidian.platform.auth import acting_user, require_staff, resolve_ids_first

from . import aftersale_photos, aftersales, delivery, services, states
from .schemas import (
    AfterSaleQuerySchema,
    AfterSaleSchema,
    ApproveSchema,
    CancelSchema,
    FreightTemplateInSchema,
    FreightTemplatePatchSchema,
    FreightTemplateSchema,
    OrderDetailSchema,
    OrderQuerySchema,
    OrderSchema,
    OrderSettingsSchema,
    PickupPointInSchema,
    PickupPointPatchSchema,
    PickupPointSchema,
    PriceChangeSchema,
    RejectSchema,
    RemarkSchema,
    ShipSchema,
)

blp = Blueprint("orders_api", __name__, url_prefix="/api/v1",
                description="Orders: orders and their timeline, shipping, price changes, after-sales, freight "
                            "templates, pickup points, order settings")
VIEW, MANAGE = "store.view", "orders.manage"
TOTAL = {"X-Total-Count": {"schema": {"type": "integer"}}}

resolve_ids_first(blp, {"order_id": services.get, "after_sale_id": aftersales.get,
                        "freight_template_id": delivery.get_template, "pickup_point_id": delivery.get_pickup_point})


def _actor_id():
    user = acting_user()
    return user.id if user is not None else None


def _detail(order):
    order.timeline = services.timeline(order)
    return order


# --- orders -----------------------------------------------------------------------------------------


@blp.route("/orders")
class Orders(MethodView):
    @require_staff(VIEW)
    @blp.arguments(OrderQuerySchema, location="query")
    @blp.response(200, OrderSchema(many=True), headers=TOTAL)
    def get(self, args):
        """Orders, newest first: by status, keyword (order number or item title), delivery method, dates."""
        page, per_page = args.pop("page"), args.pop("per_page")
        rows, total = services.search(page, per_page, **args)
        return rows, {"X-Total-Count": str(total)}


@blp.route("/orders/<uuid:order_id>")
class OrderItem(MethodView):
    @require_staff(VIEW)
    @blp.response(200, OrderDetailSchema)
    def get(self, order_id):
        """An order with its timeline (who did what, when)."""
        return _detail(services.get(order_id))


@blp.route("/orders/<uuid:order_id>/ship")
class ShipOrder(MethodView):
    @require_staff(MANAGE)
    @blp.arguments(ShipSchema)
    @blp.response(200, OrderDetailSchema)
    def post(self, data, order_id):
        """Ship a paid order (carrier code and tracking number; nothing for a pickup order)."""
        return _detail(services.ship(order_id, data, _actor_id()))


@blp.route("/orders/<uuid:order_id>/price")
class ChangePrice(MethodView):
    @require_staff(MANAGE)
    @blp.arguments(PriceChangeSchema)
    @blp.response(200, OrderDetailSchema)
    def post(self, data, order_id):
        """Change an unpaid order's total (改价); recorded on the timeline."""
        return _detail(services.change_price(order_id, data, _actor_id()))


@blp.route("/orders/<uuid:order_id>/cancel")
class CancelOrder(MethodView):
    @require_staff(MANAGE)
    @blp.arguments(CancelSchema)
    @blp.response(200, OrderDetailSchema)
    def post(self, data, order_id):
        """Cancel an unpaid order: its stock goes back."""
        return _detail(services.cancel(order_id, actor_kind=states.STAFF, actor_id=_actor_id(),
                                       reason=data["reason"]))


@blp.route("/orders/<uuid:order_id>/remark")
class RemarkOrder(MethodView):
    @require_staff(MANAGE)
    @blp.arguments(RemarkSchema)
    @blp.response(200, OrderDetailSchema)
    def post(self, data, order_id):
        """The merchant's own remark on an order (the shopper does not see it)."""
        return _detail(services.remark(order_id, data, _actor_id()))


# --- after-sales ----------------------------------------------------------------------------------------


@blp.route("/after-sales")
class AfterSales(MethodView):
    @require_staff(VIEW)
    @blp.arguments(AfterSaleQuerySchema, location="query")
    @blp.response(200, AfterSaleSchema(many=True), headers=TOTAL)
    def get(self, args):
        """After-sales requests, newest first, by status."""
        rows, total = aftersales.search(args["status"], args["page"], args["per_page"])
        return rows, {"X-Total-Count": str(total)}


@blp.route("/after-sales/<uuid:after_sale_id>")
class AfterSaleItem(MethodView):
    @require_staff(VIEW)
    @blp.response(200, AfterSaleSchema)
    def get(self, after_sale_id):
        return aftersales.get(after_sale_id)


@blp.route("/after-sales/<uuid:after_sale_id>/photos/<int:index>")
class AfterSalePhoto(MethodView):
    @require_staff(MANAGE)
    @blp.doc(responses={"200": {"description": "the shopper's photo ``index`` (a JPEG; ``photos`` of the "
                                              "after-sales request links each)",
                                "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}}})
    def get(self, after_sale_id, index):
        """One of the shopper's photos (personal data: staff holding ``orders.manage`` only)."""
        return aftersale_photos.photo_of(aftersales.get(after_sale_id), index)


@blp.route("/after-sales/<uuid:after_sale_id>/approve")
class ApproveAfterSale(MethodView):
    @require_staff(MANAGE)
    @blp.arguments(ApproveSchema)
    @blp.response(200, AfterSaleSchema)
    def post(self, data, after_sale_id):
        """Approve: a refund only starts the refund; a return waits for the goods (give the return address)."""
        return aftersales.approve(after_sale_id, data, _actor_id())


@blp.route("/after-sales/<uuid:after_sale_id>/reject")
class RejectAfterSale(MethodView):
    @require_staff(MANAGE)
    @blp.arguments(RejectSchema)
    @blp.response(200, AfterSaleSchema)
    def post(self, data, after_sale_id):
        """Reject, with the reason the shopper reads."""
        return aftersales.reject(after_sale_id, data, _actor_id())


@blp.route("/after-sales/<uuid:after_sale_id>/received")
class ReturnReceived(MethodView):
    @require_staff(MANAGE)
    @blp.response(200, AfterSaleSchema)
    def post(self, after_sale_id):
        """The returned goods arrived: the refund starts."""
        return aftersales.receive_return(after_sale_id, _actor_id())


@blp.route("/after-sales/<uuid:after_sale_id>/retry-refund")
class RetryRefund(MethodView):
    @require_staff(MANAGE)
    @blp.response(200, AfterSaleSchema)
    def post(self, after_sale_id):
        """Start a refund again after the provider refused it."""
        return aftersales.retry_refund(after_sale_id, _actor_id())


# --- freight templates and pickup points --------------------------------------------------------------


@blp.route("/freight-templates")
class FreightTemplates(MethodView):
    @require_staff(VIEW)
    @blp.response(200, FreightTemplateSchema(many=True))
    def get(self):
        return delivery.templates()

    @require_staff(MANAGE)
    @blp.arguments(FreightTemplateInSchema)
    @blp.response(201, FreightTemplateSchema)
    def post(self, data):
        """A freight template: by piece or weight (grams), areas of region codes, regions not delivered to."""
        return delivery.create_template(data, acting_user())


@blp.route("/freight-templates/<uuid:freight_template_id>")
class FreightTemplateItem(MethodView):
    @require_staff(VIEW)
    @blp.response(200, FreightTemplateSchema)
    def get(self, freight_template_id):
        return delivery.get_template(freight_template_id)

    @require_staff(MANAGE)
    @blp.arguments(FreightTemplatePatchSchema)
    @blp.response(200, FreightTemplateSchema)
    def patch(self, data, freight_template_id):
        return delivery.update_template(delivery.get_template(freight_template_id), data, acting_user())

    @require_staff(MANAGE)
    @blp.response(204)
    def delete(self, freight_template_id):
        """Delete a template; products that named it use the default one."""
        delivery.delete_template(delivery.get_template(freight_template_id), acting_user())


@blp.route("/pickup-points")
class PickupPoints(MethodView):
    @require_staff(VIEW)
    @blp.response(200, PickupPointSchema(many=True))
    def get(self):
        return delivery.pickup_points()

    @require_staff(MANAGE)
    @blp.arguments(PickupPointInSchema)
    @blp.response(201, PickupPointSchema)
    def post(self, data):
        return delivery.create_pickup_point(data, acting_user())


@blp.route("/pickup-points/<uuid:pickup_point_id>")
class PickupPointItem(MethodView):
    @require_staff(VIEW)
    @blp.response(200, PickupPointSchema)
    def get(self, pickup_point_id):
        return delivery.get_pickup_point(pickup_point_id)

    @require_staff(MANAGE)
    @blp.arguments(PickupPointPatchSchema)
    @blp.response(200, PickupPointSchema)
    def patch(self, data, pickup_point_id):
        return delivery.update_pickup_point(delivery.get_pickup_point(pickup_point_id), data, acting_user())

    @require_staff(MANAGE)
    @blp.response(204)
    def delete(self, pickup_point_id):
        delivery.delete_pickup_point(delivery.get_pickup_point(pickup_point_id), acting_user())


@blp.route("/order-settings")
class Settings(MethodView):
    @require_staff(VIEW)
    @blp.response(200, OrderSettingsSchema)
    def get(self):
        """The payment window (minutes), days after shipping before an order completes itself, return address."""
        return delivery.order_settings()

    @require_staff(MANAGE)
    @blp.arguments(OrderSettingsSchema)
    @blp.response(200, OrderSettingsSchema)
    def put(self, data):
        return delivery.save_settings(data, acting_user())
