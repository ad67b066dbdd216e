"""The sandbox of ``make run`` (DEMO_ACCOUNTS=1) knows the demo stores' official accounts: authorized to the
component with web pages and menu permissions, their menus published — the same ones seed-demo binds."""

from sandbox_helpers import sandbox_config

from kaidian.sandbox.app import create_sandbox_app
from kaidian.wechat import demo_accounts


def _state(state_path, **config):
    app = create_sandbox_app({**sandbox_config(state_path, "http://127.0.0.1:9"), **config})
    return app.extensions["kaidian_sandbox"].state


def test_the_demo_accounts_are_authorized_with_their_menus(state_path):
    data = _state(state_path, DEMO_ACCOUNTS=1, PORT=5301).read()
    for slug, account in demo_accounts.ACCOUNTS.items():
        appid = account["appid"]
        assert data["accounts"][appid]["nick_name"] == account["nick_name"]
        auth = data["authorizers"][appid]
        assert not auth["revoked"] and auth["refresh_token"] == demo_accounts.refresh_token(appid)
        assert {4, 15} <= set(auth["func_ids"])
        assert data["menus"][appid]["button"][0]["url"] == f"http://{slug}.localhost:5301/"


def test_they_survive_a_reset_and_a_revocation_sticks(state_path):
    state = _state(state_path, DEMO_ACCOUNTS=1)
    appid = demo_accounts.ACCOUNTS["demo-food"]["appid"]
    state.reset()
    assert appid in state.read()["authorizers"]
    with state.transaction() as data:
        data["authorizers"][appid]["revoked"] = True
    assert _state(state_path, DEMO_ACCOUNTS=1).read()["authorizers"][appid]["revoked"] is True


def test_tests_and_other_setups_can_leave_them_out(state_path):
    assert _state(state_path, DEMO_ACCOUNTS=0).read()["authorizers"] == {}
