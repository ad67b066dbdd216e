"""WeChat's permission sets (权限集) and the ones Kaidian needs, per kind of account: the one home of
that rule. A merchant may untick sets on WeChat's authorization page; the admin warns about each
needed set that is missing.

The ids and names follow the Open Platform's two lists ("公众号权限集说明" and "小程序权限集说明",
Third-party_Platforms 2.0 → product → offical_account_authority / miniprogram_authority). The two
kinds share no id: 17 on a mini program is 获取小程序码 (its QR codes), not account management, and 30
is the mini program's basic information (name, avatar, intro, categories).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from .models import Authorizer, AuthorizerKind

OFFICIAL_ACCOUNT_SETS: dict[int, object] = {
    1: _l("Message management"),
    2: _l("User management"),
    3: _l("Account services"),
    4: _l("Web pages (shopper login)"),
    5: _l("WeChat Store"),
    6: _l("Multi-agent customer service"),
    7: _l("Broadcasts and notifications"),
    8: _l("Cards and coupons"),
    9: _l("WeChat Scan"),
    10: _l("Wi-Fi via WeChat"),
    11: _l("Media library"),
    12: _l("Shake nearby"),
    13: _l("WeChat stores (locations)"),
    15: _l("Custom menu"),
    22: _l("City services"),
    23: _l("Advertising management"),
    24: _l("Open Platform account management"),
    26: _l("WeChat e-invoices"),
    27: _l("Fast mini program registration"),
    33: _l("Mini program management"),
    34: _l("WeChat product library"),
    35: _l("WeChat calories"),
    44: _l("Good-things circle"),
    46: _l("WeChat one-item-one-code"),
    47: _l("Government e-receipts"),
    54: _l("Service account conversations"),
    66: _l("Service platform management"),
}

MINI_PROGRAM_SETS: dict[int, object] = {
    17: _l("Mini program codes (QR)"),
    18: _l("Development management and data analysis"),
    19: _l("Customer service messages"),
    25: _l("Open Platform account management"),
    30: _l("Mini program basic information"),
    31: _l("Verified name check"),
    36: _l("WeChat calories"),
    37: _l("Nearby mini programs"),
    40: _l("Plug-in management"),
    41: _l("Good-things circle"),
    45: _l("WeChat logistics"),
    48: _l("Government e-receipts"),
    49: _l("Cloud development management"),
    51: _l("Instant delivery"),
    52: _l("Mini program live streaming"),
}

FUNC_SET_NAMES: dict[AuthorizerKind, dict[int, object]] = {
    AuthorizerKind.OFFICIAL_ACCOUNT: OFFICIAL_ACCOUNT_SETS,
    AuthorizerKind.MINI_PROGRAM: MINI_PROGRAM_SETS,
}

# What Kaidian uses: passive replies and the full-release checks (1), shopper login (4) and the menu (15)
# on an official account; code commit, review and release — and the trial QR code, which belongs to the
# same set — (18) on a mini program.
REQUIRED_FUNC_SETS: dict[AuthorizerKind, tuple[int, ...]] = {
    AuthorizerKind.OFFICIAL_ACCOUNT: (4, 15),
    AuthorizerKind.MINI_PROGRAM: (18,),
}


@dataclass(frozen=True)
class FuncSet:
    id: int
    name: str


def func_set(func_id: int, kind: AuthorizerKind = AuthorizerKind.OFFICIAL_ACCOUNT) -> FuncSet:
    name = FUNC_SET_NAMES[kind].get(func_id)
    return FuncSet(func_id, str(name) if name is not None else str(_l("Permission set %(id)s", id=func_id)))


def granted(authorizer: Authorizer) -> list[FuncSet]:
    return [func_set(fid, authorizer.kind) for fid in sorted(authorizer.func_id_list)]


def missing(authorizer: Authorizer) -> list[FuncSet]:
    have = set(authorizer.func_id_list)
    return [func_set(fid, authorizer.kind) for fid in REQUIRED_FUNC_SETS[authorizer.kind] if fid not in have]
