"""The provider registry (one explicit mapping, no ``if provider == …`` ladders): a provider class takes
its credentials and offers ``prepay``, ``jsapi_params``, ``query``, ``close``, ``refund``,
``query_refund``, ``open_notification`` and ``signed_probe``. Alipay (``alipay.py``) sits behind the same interface."""

from __future__ import annotations

from .alipay import AlipayProvider
from .wechatpay import WeChatPayProvider

PROVIDERS: dict[str, type] = {
    WeChatPayProvider.name: WeChatPayProvider,
    AlipayProvider.name: AlipayProvider,
}
