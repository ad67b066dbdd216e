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
