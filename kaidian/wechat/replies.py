"""Passive replies: what the platform answers, in the same HTTP response, to a message pushed to an
authorizer (WeChat shows it to the fan). The reply is a flat XML message from the account to the fan,
sealed with the component's key (``<xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>``) by
``callbacks``; an empty answer (or ``success``) means "no reply"."""

from __future__ import annotations

import time
from dataclasses import dataclass

from .xmlmsg import to_xml


@dataclass(frozen=True)
class TextReply:
    content: str

    def to_xml(self, message: dict) -> str:
        """The plaintext reply to ``message``: addressed back from its account to its sender."""
        return to_xml({
            "ToUserName": message.get("FromUserName", ""),
            "FromUserName": message.get("ToUserName", ""),
            "CreateTime": int(time.time()),
            "MsgType": "text",
            "Content": self.content,
        })


NO_REPLY = None
