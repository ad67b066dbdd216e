"""The demo stores' official accounts (``flask kaidian seed-demo``), known to both sides of the sandbox.

Each demo store gets a verified service account, bound as if its merchant had authorized it through the
sandbox (``authorization.bind`` with what ``api_query_auth`` / ``api_get_authorizer_info`` would return),
and its menu published. The sandbox (``kaidian/sandbox``, development only) seeds the very same accounts,
authorizations and menus from this module, so shopper OAuth and the menu work as soon as both run —
without the seed having to reach a sandbox that ``make run`` starts after it (the accounts themselves
are in ``demo_accounts.py``).
"""

from __future__ import annotations

from flask import current_app

from kaidian.platform.sites import store_url

from . import authorization, authorizers, menus
from .demo_accounts import ACCOUNTS, FUNC_IDS, authorizer_info, menu_for, refresh_token


def seed_demo_store(tenant, store: dict, owner) -> str:
    """Bind the store's demo account (unless bound already) and publish its menu; skip what exists."""
    account = ACCOUNTS.get(tenant.slug)
    if account is None:
        return ""
    row = authorizers.find_by_appid(account["appid"])
    if row is not None and row.tenant_id != tenant.id and row.is_bound:
        return f"wechat: {account['appid']} is bound to another store; left alone"
    if row is None or not row.is_bound:
        authorization.bind(tenant.id, _authorization_info(account), _details(account))
        row = authorizers.find_by_appid(account["appid"])
    if row.menu_published_at is None:
        menus.mark_published(row, menu_for(store_url(tenant, "/")))
    return f"wechat: official account {account['nick_name']} ({account['appid']}) bound, menu published"


def _authorization_info(account: dict) -> dict:
    return {"authorizer_appid": account["appid"], "authorizer_refresh_token": refresh_token(account["appid"]),
            "func_info": [{"funcscope_category": {"id": fid}} for fid in FUNC_IDS]}


def _details(account: dict) -> dict:
    return authorizer_info(account, current_app.config["WECHAT_MP_BASE"].rstrip("/"))
