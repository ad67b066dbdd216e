"""Seed data: the fake WeChat accounts merchants can authorize, permission sets, fake shoppers."""

from __future__ import annotations

import copy
import time

from kaidian.wechat import demo_accounts

OFFICIAL_ACCOUNT = "official_account"
MINI_PROGRAM = "mini_program"

# Permission sets (权限集) as WeChat numbers them (the Open Platform's 公众号权限集 and 小程序权限集 lists);
# the kinds say which account type can grant them. The two lists share no id.
FUNC_SETS: dict[int, tuple[str, tuple[str, ...]]] = {
    1: ("消息管理权限", (OFFICIAL_ACCOUNT,)),
    2: ("用户管理权限", (OFFICIAL_ACCOUNT,)),
    3: ("帐号服务权限", (OFFICIAL_ACCOUNT,)),
    4: ("网页服务权限", (OFFICIAL_ACCOUNT,)),
    7: ("群发与通知权限", (OFFICIAL_ACCOUNT,)),
    11: ("素材管理权限", (OFFICIAL_ACCOUNT,)),
    15: ("自定义菜单权限", (OFFICIAL_ACCOUNT,)),
    24: ("开放平台帐号管理权限", (OFFICIAL_ACCOUNT,)),
    33: ("小程序管理权限", (OFFICIAL_ACCOUNT,)),
    17: ("获取小程序码权限", (MINI_PROGRAM,)),
    18: ("开发管理与数据分析权限", (MINI_PROGRAM,)),
    19: ("客服消息管理权限", (MINI_PROGRAM,)),
    25: ("开放平台帐号管理权限", (MINI_PROGRAM,)),
    30: ("小程序基本信息管理权限", (MINI_PROGRAM,)),
    31: ("小程序认证名称检测权限", (MINI_PROGRAM,)),
    49: ("云开发管理权限", (MINI_PROGRAM,)),
    52: ("小程序直播权限", (MINI_PROGRAM,)),
}

# account_status in api_get_authorizer_info: 1 normal, 14 cancelled, 16 banned for good, 18 warned, 19 frozen.
ACCOUNT_NORMAL, ACCOUNT_FROZEN = 1, 19

# The accounts WeChat uses for a platform's full-release checks (全网发布检测说明): every platform has them
# as extra test accounts, so their authorizations exist without a merchant ever confirming anything.
RELEASE_TEST_ACCOUNTS: dict[str, tuple[str, str]] = {
    "wx570bc396a51b8ff8": (OFFICIAL_ACCOUNT, "gh_3c884a361561"),
    "wx9252c5e0bb1836fc": (OFFICIAL_ACCOUNT, "gh_c0f28a78b318"),
    "wx8e1097c5bc82cde9": (OFFICIAL_ACCOUNT, "gh_3f222ed8d140"),
    "wx14550af28c71a144": (OFFICIAL_ACCOUNT, "gh_26128078e9ab"),
    "wxa35b9c23cfe664eb": (OFFICIAL_ACCOUNT, "gh_2b3713f184a6"),
    "wxd101a85aa106f53e": (MINI_PROGRAM, "gh_8dad206e9538"),
    "wxc39235c15087f6f3": (MINI_PROGRAM, "gh_905ae9d01059"),
    "wx7720d01d4b2a4500": (MINI_PROGRAM, "gh_393666f1fdf4"),
    "wx05d483572dcd5d8b": (MINI_PROGRAM, "gh_39abb5d4e1b7"),
    "wx5910277cae6fd970": (MINI_PROGRAM, "gh_7818dcb60240"),
}

_COMPANY = "开店示范科技有限公司"

SEED_ACCOUNTS: list[dict] = [
    {
        "appid": "wx5a4db0c000000001",
        "kind": OFFICIAL_ACCOUNT,
        "user_name": "gh_5a4db0c00001",
        "nick_name": "开店示范服务号",
        "alias": "kaidian_demo",
        "principal_name": _COMPANY,
        "open_platform_bound": True,  # unionid is given only for accounts bound to an Open Platform account
        "signature": "认证服务号，支持网页授权与微信支付。",
        "service_type": 2,
        "verify_type": 0,
        "business_info": {"open_pay": 1, "open_shake": 0, "open_scan": 0, "open_card": 1, "open_store": 1},
        "color": [7, 193, 96],
    },
    {
        "appid": "wx5a4db0c000000002",
        "kind": OFFICIAL_ACCOUNT,
        "user_name": "gh_5a4db0c00002",
        "nick_name": "小王的订阅号",
        "alias": "",
        "principal_name": "个人",
        "signature": "未认证的个人订阅号。",
        "service_type": 0,
        "verify_type": -1,
        "business_info": {"open_pay": 0, "open_shake": 0, "open_scan": 0, "open_card": 0, "open_store": 0},
        "color": [250, 157, 59],
    },
    {
        "appid": "wx5a4db0c000000005",
        "kind": OFFICIAL_ACCOUNT,
        "user_name": "gh_5a4db0c00005",
        "nick_name": "开店示范二店",
        "alias": "kaidian_demo2",
        "principal_name": _COMPANY,
        "open_platform_bound": True,
        "signature": "同一主体的第二个认证服务号。",
        "service_type": 2,
        "verify_type": 0,
        "business_info": {"open_pay": 1, "open_shake": 0, "open_scan": 0, "open_card": 0, "open_store": 0},
        "color": [16, 174, 255],
    },
    {
        "appid": "wx5a4db0c000000006",
        "kind": OFFICIAL_ACCOUNT,
        "user_name": "gh_5a4db0c00006",
        "nick_name": "已冻结的服务号",
        "alias": "",
        "principal_name": "冻结示范有限公司",
        "signature": "帐号已被冻结，不能授权给第三方平台使用。",
        "service_type": 2,
        "verify_type": 0,
        "account_status": ACCOUNT_FROZEN,
        "business_info": {"open_pay": 0, "open_shake": 0, "open_scan": 0, "open_card": 0, "open_store": 0},
        "color": [140, 140, 140],
    },
    {
        "appid": "wx5a4db0c000000003",
        "kind": MINI_PROGRAM,
        "user_name": "gh_5a4db0c00003",
        "nick_name": "开店示范商城",
        "alias": "",
        "principal_name": _COMPANY,
        "open_platform_bound": True,
        "signature": "示范商城小程序。",
        "service_type": 0,
        "verify_type": 0,
        "business_info": {"open_pay": 1, "open_shake": 0, "open_scan": 0, "open_card": 0, "open_store": 0},
        "mini_program_info": {
            "network": {"RequestDomain": [], "WsRequestDomain": [], "UploadDomain": [], "DownloadDomain": []},
            "categories": [{"first": "商家自营", "second": "服装/鞋/箱包"}],
            "visit_status": 0,
        },
        "color": [87, 107, 149],
    },
    {
        "appid": "wx5a4db0c000000004",
        "kind": MINI_PROGRAM,
        "user_name": "gh_5a4db0c00004",
        "nick_name": "小花花店",
        "alias": "",
        "principal_name": "杭州小花花卉工作室",
        "signature": "未认证的小程序。",
        "service_type": 0,
        "verify_type": -1,
        "business_info": {"open_pay": 0, "open_shake": 0, "open_scan": 0, "open_card": 0, "open_store": 0},
        "mini_program_info": {
            "network": {"RequestDomain": [], "WsRequestDomain": [], "UploadDomain": [], "DownloadDomain": []},
            "categories": [{"first": "生活服务", "second": "鲜花"}],
            "visit_status": 0,
        },
        "color": [230, 67, 64],
    },
]

SEED_SHOPPERS: dict[str, dict] = {
    "alice": {"nickname": "小爱", "sex": 2, "province": "上海", "city": "上海", "color": [255, 145, 164]},
    "bob": {"nickname": "老包", "sex": 1, "province": "广东", "city": "深圳", "color": [64, 158, 255]},
    "carol": {"nickname": "卡萝", "sex": 2, "province": "浙江", "city": "杭州", "color": [149, 117, 205]},
}
DEFAULT_SHOPPER = "alice"

AUTH_TYPE_KINDS = {"1": (OFFICIAL_ACCOUNT,), "2": (MINI_PROGRAM,), "3": (OFFICIAL_ACCOUNT, MINI_PROGRAM)}


def release_test_account(appid: str) -> dict:
    kind, user_name = RELEASE_TEST_ACCOUNTS[appid]
    account = {
        "appid": appid, "kind": kind, "user_name": user_name, "nick_name": f"全网发布测试号 {user_name}",
        "alias": "", "principal_name": "微信全网发布测试", "signature": "",
        "service_type": 2 if kind == OFFICIAL_ACCOUNT else 0, "verify_type": 0, "release_test": True,
        "business_info": {"open_pay": 0, "open_shake": 0, "open_scan": 0, "open_card": 0, "open_store": 0},
        "color": [60, 60, 60],
    }
    if kind == MINI_PROGRAM:
        account["mini_program_info"] = {
            "network": {"RequestDomain": [], "WsRequestDomain": [], "UploadDomain": [], "DownloadDomain": []},
            "categories": [], "visit_status": 0,
        }
    return account


def seed_accounts() -> dict[str, dict]:
    accounts = {account["appid"]: copy.deepcopy(account) for account in SEED_ACCOUNTS}
    accounts.update({appid: release_test_account(appid) for appid in RELEASE_TEST_ACCOUNTS})
    return accounts


def seed_shoppers() -> dict[str, dict]:
    return copy.deepcopy(SEED_SHOPPERS)


def add_demo_accounts(data: dict, platform_port: int, store_domain: str = "localhost") -> None:
    """The demo stores' official accounts, authorized to the component with their menus published (the
    platform's ``seed-demo`` binds the same ones). Kept as they are once there (a revocation stays)."""
    for slug, account in demo_accounts.ACCOUNTS.items():
        appid = account["appid"]
        data["accounts"].setdefault(appid, copy.deepcopy(account))
        data["authorizers"].setdefault(appid, {
            "refresh_token": demo_accounts.refresh_token(appid), "access_tokens": {}, "revoked": False,
            "func_ids": list(demo_accounts.FUNC_IDS), "authorized_at": time.time()})
        data["menus"].setdefault(appid, demo_accounts.menu_for(f"http://{slug}.{store_domain}:{platform_port}"))


def func_sets_for(kind: str) -> list[dict]:
    """The permission sets an account of ``kind`` can grant, as ``[{id, name}]``."""
    return [{"id": fid, "name": name} for fid, (name, kinds) in FUNC_SETS.items() if kind in kinds]


def selectable_accounts(accounts: dict[str, dict], auth_type: str, biz_appid: str = "") -> list[dict]:
    """Accounts the authorization page offers: ``biz_appid`` pins one, else filter by ``auth_type``."""
    offered = {appid: account for appid, account in accounts.items() if not account.get("release_test")}
    if biz_appid:
        return [offered[biz_appid]] if biz_appid in offered else []
    kinds = AUTH_TYPE_KINDS.get(str(auth_type or "3"), ())
    return [account for account in offered.values() if account["kind"] in kinds]


def authorizer_info(account: dict, public_base: str) -> dict:
    """``authorizer_info`` as api_get_authorizer_info returns it."""
    info = {
        "nick_name": account["nick_name"],
        "head_img": f"{public_base}/sandbox/img/{account['appid']}.png",
        "service_type_info": {"id": account["service_type"]},
        "verify_type_info": {"id": account["verify_type"]},
        "user_name": account["user_name"],
        "principal_name": account["principal_name"],
        "alias": account.get("alias", ""),
        "qrcode_url": f"{public_base}/sandbox/img/qr-{account['appid']}.png",
        "business_info": dict(account["business_info"]),
        "signature": account.get("signature", ""),
        "account_status": account.get("account_status", ACCOUNT_NORMAL),
    }
    if account["kind"] == MINI_PROGRAM:
        info["MiniProgramInfo"] = copy.deepcopy(account["mini_program_info"])
    return info
