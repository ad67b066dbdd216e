"""What each member role may do in a store: the one home of that rule."""

from __future__ import annotations

from .models import Membership, Role

# Every permission a store member can hold.
PERMISSIONS = (
    "store.view",
    "store.edit_profile",
    "store.qualifications",
    "store.staff",
    "store.tokens",
    "catalog.edit",
    "orders.manage",
    "pages.edit",
    "pages.publish",
    "wechat.manage",
    "payments.manage",
    "billing.manage",
)

ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.OWNER: frozenset(PERMISSIONS),
    # payment settings decide where the store's money goes: the owner's alone
    Role.ADMIN: frozenset(PERMISSIONS) - {"billing.manage", "store.staff", "payments.manage"},
    Role.STAFF: frozenset({"store.view", "store.tokens", "catalog.edit", "pages.edit"}),
}

# Permissions an owner may grant to a staff member on top of the role's own. Handling orders (ship,
# 改价, cancel, refunds, exports holding shoppers' addresses) is granted, not given to every staff member.
GRANTABLE_TO_STAFF = frozenset({"pages.publish", "wechat.manage", "store.qualifications", "orders.manage"})


def permissions_of(membership: Membership | None) -> frozenset[str]:
    if membership is None:
        return frozenset()
    extra = set(membership.permission_list) & GRANTABLE_TO_STAFF
    return ROLE_PERMISSIONS[membership.role] | extra


def can(membership: Membership | None, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(permission)
    return permission in permissions_of(membership)
