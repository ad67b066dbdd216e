"""The one retry policy of mini-program steps: which WeChat answers come back soon, which wait, which stop."""

import pytest

from kaidian.miniprogram.policy import Action, rule_for
from kaidian.wechat.errors import WeChatUnavailable, error_for


@pytest.mark.parametrize(("errcode", "action"), [
    (-1, Action.RETRY), (45011, Action.RETRY), (40001, Action.RETRY), (42001, Action.RETRY),
    (45009, Action.WAIT), (61039, Action.WAIT),
    (85009, Action.STOP), (85019, Action.STOP), (85020, Action.STOP), (87013, Action.STOP), (85013, Action.STOP),
    (48001, Action.STOP), (61003, Action.STOP), (61023, Action.STOP), (99999, Action.STOP),
])
def test_each_wechat_answer_has_one_action(errcode, action):
    assert rule_for(error_for({"errcode": errcode, "errmsg": "x"}, "submit_audit")).action == action


def test_a_network_failure_is_retried():
    assert rule_for(WeChatUnavailable(0, "ConnectionError", "commit")).action == Action.RETRY


def test_the_privacy_notice_is_sent_in_chinese_whoever_sends_it(app):
    """WeChat shows these words to the mini program's shoppers: Chinese, even from an English page or job."""
    from types import SimpleNamespace

    from flask_babel import force_locale

    from kaidian.miniprogram.setup import privacy_settings

    store = SimpleNamespace(contact_email="shop@example.com", contact_phone="")
    with app.test_request_context("/"), force_locale("en"):
        settings = privacy_settings(store)
    assert settings["owner_setting"] == {"notice_method": "弹窗提示", "contact_email": "shop@example.com"}
    assert [item["privacy_text"] for item in settings["setting_list"]] == [
        "用于登录并显示你的会员信息", "用于填写和管理收货地址", "用于联系你配送订单"]


@pytest.mark.parametrize(("endpoint", "errcode", "words"), [
    ("revertcoderelease", 87012, "no previous version to roll back to"),
    ("revertcoderelease", 87011, "gray release"),
    ("undocodeaudit", 87012, "nothing to withdraw"),
])
def test_a_code_wechat_reuses_is_read_for_its_endpoint(app, endpoint, errcode, words):
    from flask_babel import force_locale

    rule = rule_for(error_for({"errcode": errcode, "errmsg": "x"}, endpoint))
    with app.test_request_context("/"), force_locale("en"):
        assert rule.action == Action.STOP and words in str(rule.message)
