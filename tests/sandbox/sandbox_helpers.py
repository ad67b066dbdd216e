"""Shared constants and the ``WeChatFlow`` driver for the sandbox tests (tests/sandbox is on sys.path)."""

from urllib.parse import parse_qs, urlsplit

from kaidian.sandbox.config import DEFAULTS

COMPONENT_APPID = DEFAULTS["COMPONENT_APPID"]
COMPONENT_SECRET = DEFAULTS["COMPONENT_SECRET"]
SERVICE_OA = "wx5a4db0c000000001"
SUBSCRIPTION_OA = "wx5a4db0c000000002"
MINI_PROGRAM = "wx5a4db0c000000003"
SECOND_OA = "wx5a4db0c000000005"
PUBLIC_BASE = "http://sandbox.test"
REDIRECT = "https://shop.example.com/wechat/authorized?tenant=7"


def sandbox_config(state_path, receiver_url):
    return {
        "SANDBOX_STATE_PATH": str(state_path),
        "PLATFORM_EVENT_URL": f"{receiver_url}/wechat/component/events",
        "PLATFORM_MESSAGE_URL_TEMPLATE": f"{receiver_url}/wechat/authorizers/$APPID$/events",
        "TICKET_PUSH_INTERVAL": 0,
        "DEMO_ACCOUNTS": 0,
        "TEMPLATE_FINISH_DELAY": 0,
        "PUBLIC_BASE": PUBLIC_BASE,
        "OAUTH_REDIRECT_DOMAINS": "localhost,127.0.0.1,shop.example.com",
    }


def query_of(location):
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


class WeChatFlow:
    """Drives the sandbox through the component flow, as the platform would."""

    def __init__(self, client):
        self.client = client

    def state(self):
        return self.client.get("/sandbox/state").get_json()

    def push_ticket(self):
        return self.client.post("/sandbox/push_ticket").get_json()["ticket"]

    def component_token_response(self, ticket, secret=COMPONENT_SECRET, appid=COMPONENT_APPID):
        body = {"component_appid": appid, "component_appsecret": secret, "component_verify_ticket": ticket}
        return self.client.post("/cgi-bin/component/api_component_token", json=body).get_json()

    def component_token(self):
        return self.component_token_response(self.push_ticket())["component_access_token"]

    def call(self, name, token, **body):
        url = f"/cgi-bin/component/{name}?component_access_token={token}"
        return self.client.post(url, json={"component_appid": COMPONENT_APPID, **body}).get_json()

    def pre_auth_code(self, token):
        return self.call("api_create_preauthcode", token)["pre_auth_code"]

    def confirm(self, token, appid, funcs=None, **extra):
        form = {"component_appid": COMPONENT_APPID, "pre_auth_code": self.pre_auth_code(token),
                "redirect_uri": REDIRECT, "auth_type": "3", "appid": appid, **extra}
        funcs = range(1, 60) if funcs is None else funcs
        form[f"func_{appid}"] = [str(fid) for fid in funcs]
        return self.client.post("/sandbox/authorize", data=form)

    def authorize(self, appid, funcs=None):
        """Authorize ``appid`` and exchange the code: returns (component token, authorization_info)."""
        token = self.component_token()
        auth_code = query_of(self.confirm(token, appid, funcs).headers["Location"])["auth_code"]
        return token, self.call("api_query_auth", token, authorization_code=auth_code)["authorization_info"]
