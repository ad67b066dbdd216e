"""The demo stores' official accounts, as plain data shared by the platform's demo seeder
(``wechat/demo.py``) and the WeChat sandbox, which seeds the same accounts, authorizations and menus.

The refresh tokens are development values that only the sandbox accepts.
"""

from __future__ import annotations

FUNC_IDS = (1, 2, 3, 4, 7, 11, 15, 24, 33)  # messages, users, account, web pages, mass, media, menu…
MENU = (("首页", "/"), ("全部商品", "/products"), ("我的", "/member"))

ACCOUNTS: dict[str, dict] = {
    "demo-apparel": {
        "appid": "wx5a4db0c0000000a1", "kind": "official_account", "user_name": "gh_5a4db0c000a1",
        "nick_name": "云裳服饰", "alias": "yunshang_demo", "principal_name": "云裳服饰示范有限公司",
        "signature": "云裳服饰的认证服务号（演示）。", "service_type": 2, "verify_type": 0,
        "business_info": {"open_pay": 1, "open_shake": 0, "open_scan": 0, "open_card": 0, "open_store": 1},
        "color": [31, 31, 31],
    },
    "demo-food": {
        "appid": "wx5a4db0c0000000f1", "kind": "official_account", "user_name": "gh_5a4db0c000f1",
        "nick_name": "山野食铺", "alias": "shanye_demo", "principal_name": "山野食铺示范有限公司",
        "signature": "山野食铺的认证服务号（演示）。", "service_type": 2, "verify_type": 0,
        "business_info": {"open_pay": 1, "open_shake": 0, "open_scan": 0, "open_card": 0, "open_store": 1},
        "color": [228, 87, 46],
    },
}


def refresh_token(appid: str) -> str:
    return f"refreshtoken@@@sandbox-demo-{appid}"


def menu_for(base_url: str) -> dict:
    """The demo menu, pointing at the store at ``base_url`` (``http://SLUG.localhost:PORT``)."""
    return {"button": [{"type": "view", "name": name, "url": base_url.rstrip("/") + path} for name, path in MENU]}


def authorizer_info(account: dict, public_base: str) -> dict:
    """``authorizer_info`` as the sandbox's api_get_authorizer_info returns it for ``account``."""
    return {
        "nick_name": account["nick_name"], "head_img": f"{public_base}/sandbox/img/{account['appid']}.png",
        "service_type_info": {"id": account["service_type"]}, "verify_type_info": {"id": account["verify_type"]},
        "user_name": account["user_name"], "principal_name": account["principal_name"], "alias": account["alias"],
        "business_info": dict(account["business_info"]), "signature": account["signature"],
    }
