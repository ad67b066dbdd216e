"""WeChat's permission sets (权限集) and the ones Kaidian needs, per kind of account: the one home of
that rule. A merchant may untick sets on WeChat's authorization page; the admin warns about each
needed set that is missing."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from .models import Authorizer, AuthorizerKind

FUNC_SET_NAMES: dict[int, object] = {
    1: _l("Message management"),
    2: _l("User management"),
    3: _l("Account services"),
    4: _l("Web pages (shopper login)"),
    7: _l("Broadcasts and notifications"),
    11: _l("Media library"),
    15: _l("Custom menu"),
    17: _l("Account management"),
    18: _l("Development management and data analysis"),
    19: _l("Customer service messages"),
    24: _l("Open Platform account management"),
    25: _l("Open Platform account management"),
    30: _l("Mini program basic settings"),
    31: _l("Mini program verification"),
    33: _l("Mini program management"),
    49: _l("Cloud development management"),
    52: _l("Mini program live streaming"),
}

# What Kaidian uses: shopper login (4) and the menu (15) on an official account; account settings (17)
# and code commit, review and release (18) on a mini program.
REQUIRED_FUNC_SETS: dict[AuthorizerKind, tuple[int, ...]] = {
    AuthorizerKind.OFFICIAL_ACCOUNT: (4, 15),
    AuthorizerKind.MINI_PROGRAM: (17, 18),
}


@dataclass(frozen=True)
class FuncSet:
    id: int
    name: str


def func_set(func_id: int) -> FuncSet:
    name = FUNC_SET_NAMES.get(func_id)
    return FuncSet(func_id, str(name) if name is not None else str(_l("Permission set %(id)s", id=func_id)))


def granted(authorizer: Authorizer) -> list[FuncSet]:
    return [func_set(fid) for fid in sorted(authorizer.func_id_list)]


def missing(authorizer: Authorizer) -> list[FuncSet]:
    have = set(authorizer.func_id_list)
    return [func_set(fid) for fid in REQUIRED_FUNC_SETS[authorizer.kind] if fid not in have]
