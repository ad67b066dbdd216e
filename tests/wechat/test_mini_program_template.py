"""The mini-program template (``miniprogram/``) passes WeChat's own checks on its configuration: ``app.json``
(pages that exist as .js/.json/.wxml/.wxss, window fields, tabBar with 2–5 items among the pages),
``ext.json`` (extEnable, extAppid, ext, only the fields WeChat knows), ``project.config.json``; the
web-view pages build the store's hand-off address safely (run in node, as the mini program runs them); the
store's web pay page hands an order to the native pay page the template has (``/pages/pay/pay?order_id=``),
which pays and then goes back to the web page that handed it over (run in node with a stand-in ``wx``)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "miniprogram"
HEX = re.compile(r"#[0-9a-fA-F]{6}")
APPID = re.compile(r"wx[0-9a-zA-Z]{6,30}")
PAGE_FILES = (".js", ".json", ".wxml", ".wxss")

# app.json's window, as documented (全局配置 window): field → check
WINDOW = {
    "navigationBarBackgroundColor": HEX.fullmatch,
    "navigationBarTextStyle": lambda v: v in ("black", "white"),
    "navigationBarTitleText": lambda v: isinstance(v, str),
    "navigationStyle": lambda v: v in ("default", "custom"),
    "backgroundColor": HEX.fullmatch,
    "backgroundTextStyle": lambda v: v in ("dark", "light"),
    "backgroundColorTop": HEX.fullmatch,
    "backgroundColorBottom": HEX.fullmatch,
    "enablePullDownRefresh": lambda v: isinstance(v, bool),
    "onReachBottomDistance": lambda v: isinstance(v, int),
    "pageOrientation": lambda v: v in ("portrait", "landscape", "auto"),
}
APP_KEYS = {"entryPagePath", "pages", "window", "tabBar", "networkTimeout", "debug", "functionalPages",
            "subpackages", "subPackages", "workers", "requiredBackgroundModes", "plugins", "preloadRule",
            "resizable", "usingComponents", "permission", "sitemapLocation", "style", "useExtendedLib",
            "entranceDeclare", "darkmode", "themeLocation", "lazyCodeLoading", "singlePage",
            "supportedMaterials", "serviceProviderTicket", "embeddedAppIdList", "halfPage", "debugOptions",
            "enablePassiveEvent", "resolveAlias", "renderer", "requiredPrivateInfos"}
# ext.json (第三方平台 ext.json): its own fields, and those it shares with app.json
EXT_OWN = {"extEnable", "extAppid", "directCommit", "ext", "extPages"}
EXT_SHARED = {"pages", "window", "tabBar", "networkTimeout"}


def read(name: str) -> dict:
    return json.loads((ROOT / name).read_text("utf-8"))


def check_window(window: dict) -> None:
    assert isinstance(window, dict)
    for key, value in window.items():
        assert key in WINDOW, f"unknown window field {key}"
        assert WINDOW[key](value), f"window.{key} = {value!r}"


def test_app_json_lists_pages_that_exist():
    app = read("app.json")
    assert set(app) <= APP_KEYS
    pages = app["pages"]
    assert pages and len(pages) == len(set(pages))
    for page in pages:
        assert isinstance(page, str) and not page.startswith("/") and "." not in page
        for suffix in PAGE_FILES:
            assert (ROOT / (page + suffix)).is_file(), f"{page}{suffix} is missing"
        json.loads((ROOT / (page + ".json")).read_text("utf-8"))  # each page's config is JSON
    for name in ("app.js", "app.wxss"):
        assert (ROOT / name).is_file()
    assert (ROOT / app["sitemapLocation"]).is_file()


def test_app_json_window_is_as_documented():
    check_window(read("app.json")["window"])
    for page in read("app.json")["pages"]:
        config = json.loads((ROOT / (page + ".json")).read_text("utf-8"))
        check_window({k: v for k, v in config.items() if k != "usingComponents"})


def test_the_tab_bar_follows_wechats_limits():
    app = read("app.json")
    bar = app["tabBar"]
    assert 2 <= len(bar["list"]) <= 5
    for key in ("color", "selectedColor", "backgroundColor"):
        assert HEX.fullmatch(bar[key]), key
    assert bar.get("borderStyle", "black") in ("black", "white")
    assert bar.get("position", "bottom") in ("bottom", "top")
    for item in bar["list"]:
        assert item["pagePath"] in app["pages"] and item["text"]
        for icon in ("iconPath", "selectedIconPath"):
            if icon in item:  # local images of at most 40 KB, and none on a top tab bar
                assert bar.get("position", "bottom") == "bottom"
                assert (ROOT / item[icon]).stat().st_size <= 40 * 1024
    assert app["pages"][0] == bar["list"][0]["pagePath"]  # the home page is the first tab


def test_ext_json_has_wechats_fields_only():
    ext = read("ext.json")
    assert set(ext) <= EXT_OWN | EXT_SHARED
    assert ext["extEnable"] is True and APPID.fullmatch(ext["extAppid"])
    assert isinstance(ext.get("directCommit", False), bool)
    assert set(ext["ext"]) >= {"storeSlug", "storeName", "apiBase", "storeUrl"}
    check_window(ext.get("window", {}))
    for page in ext.get("extPages", {}):
        assert page in read("app.json")["pages"]


def test_the_project_is_a_mini_program():
    project = read("project.config.json")
    assert project["compileType"] == "miniprogram" and project["appid"]


def test_the_web_view_pages_hold_one_web_view_and_the_pay_page_calls_request_payment():
    for name in ("index", "orders", "member"):
        markup = (ROOT / f"pages/{name}/{name}.wxml").read_text("utf-8")
        assert markup.count("<web-view") == 1 and 'src="{{url}}"' in markup
    pay = (ROOT / "pages/pay/pay.js").read_text("utf-8")
    assert "wx.requestPayment" in pay and "/api/mp/orders/" in pay
    assert "getExtConfigSync" in (ROOT / "app.js").read_text("utf-8")


NODE_CHECKS = r"""
const assert = require('assert');
const { webviewUrl, handoffUrl, safePath } = require('./utils/url.js');
const { readStore } = require('./utils/config.js');
const base = 'https://alpha.shop.example.com/';
assert.strictEqual(handoffUrl(base, 'ab.cd-ef_', '/orders?status=paid'),
  'https://alpha.shop.example.com/account/app-handoff?ticket=ab.cd-ef_&next=%2Forders%3Fstatus%3Dpaid');
assert.strictEqual(webviewUrl(base, 'a+b/c=', '/'),
  'https://alpha.shop.example.com/account/app-handoff?ticket=a%2Bb%2Fc%3D&next=%2F');
assert.strictEqual(webviewUrl(base, '', '/products/1'), 'https://alpha.shop.example.com/products/1');
for (const bad of ['//evil.example/x', 'https://evil.example', '\\\\evil', '/a\\b', '', null, 'orders',
                   '/x\u0000y', '/x\ny', '/' + 'a'.repeat(1001)]) {
  assert.strictEqual(safePath(bad), '/', JSON.stringify(bad));
  assert.ok(webviewUrl(base, 't', bad).endsWith('next=%2F'));
}
const good = readStore({storeSlug: 'alpha', apiBase: 'https://api.kaidian.example/', storeUrl: 'https://alpha.shop.example.com/',
                        storeName: 'A'}, 'wx5a4db0c000000003');
assert.deepStrictEqual(good.problems, []);
assert.strictEqual(good.apiBase, 'https://api.kaidian.example');
const bad = readStore({storeSlug: 'Alpha!', apiBase: 'javascript:alert(1)', storeUrl: 'ftp://x'}, '');
assert.deepStrictEqual(bad.problems, ['store', 'apiBase', 'storeUrl', 'appid']);
assert.deepStrictEqual(readStore(undefined, undefined).problems, ['store', 'apiBase', 'storeUrl', 'appid']);
const ext = require('./ext.json');
assert.deepStrictEqual(readStore(ext.ext, ext.extAppid).problems, []);
console.log('ok');
"""


def test_the_web_view_address_is_built_safely_in_node():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (make assets needs it too)")
    result = subprocess.run([node, "-e", NODE_CHECKS], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_the_platform_commits_the_ext_config_the_template_reads(app):
    """``miniprogram.services.ext_json_for`` (what a commit sends as ``ext_json``) and the template's own
    ``ext.json`` sample carry the same keys, so ``readStore`` finds the store in a committed version."""
    from types import SimpleNamespace

    from kaidian.miniprogram.services import ext_json_for

    with app.app_context():
        committed = json.loads(ext_json_for(SimpleNamespace(slug="demo", name="示范店"), "wx0000000000000001"))
    sample = json.loads((ROOT / "ext.json").read_text(encoding="utf-8"))
    assert set(committed) == set(sample) and set(committed["ext"]) == set(sample["ext"])
    reader = (ROOT / "utils" / "config.js").read_text(encoding="utf-8")
    assert all(f"data.{key}" in reader for key in committed["ext"])
    assert committed["extAppid"] == "wx0000000000000001" and committed["ext"]["storeSlug"] == "demo"


def test_the_web_pay_page_hands_off_to_a_pay_page_the_template_has():
    """``orders.mini_program.pay_page_url`` (what the web page's ``wx.miniProgram.navigateTo`` opens) names a
    page of app.json that is not a tab (navigateTo cannot open a tab page), reading ``order_id``."""
    from kaidian.orders.mini_program import PAY_PAGE, pay_page_url

    app = read("app.json")
    assert PAY_PAGE.startswith("/") and PAY_PAGE[1:] in app["pages"]
    assert PAY_PAGE[1:] not in {item["pagePath"] for item in app["tabBar"]["list"]}
    assert pay_page_url("abc") == f"{PAY_PAGE}?order_id=abc"
    assert "options.order_id" in (ROOT / (PAY_PAGE[1:] + ".js")).read_text("utf-8")


def test_no_page_redirects_or_navigates_to_a_tab_page():
    """WeChat refuses ``wx.redirectTo`` / ``wx.navigateTo`` to a tab page (only switchTab / reLaunch open one)."""
    tabs = {"/" + item["pagePath"] for item in read("app.json")["tabBar"]["list"]}
    for script in ROOT.rglob("*.js"):
        text = script.read_text("utf-8")
        for url in re.findall(r"wx\.(?:redirectTo|navigateTo)\(\{\s*url:\s*'([^'?]+)", text):
            assert url not in tabs, f"{script.name} opens the tab page {url} the way WeChat refuses"


PAY_PAGE_CHECKS = r"""
const assert = require('assert');
const calls = [];
const ORDER = '0b6a4e3c-1111-4222-8333-944455556666';
let page;
global.Page = (definition) => { page = definition; };
global.getApp = () => ({ globalData: { store: { apiBase: 'https://api.example', problems: [] } },
                         ready: () => Promise.resolve() });
let stack = [{ route: 'pages/index/index' }, { route: 'pages/pay/pay' }];
global.getCurrentPages = () => stack;
global.wx = {
  getStorageSync: () => 'kdmp.token',
  request: (o) => {
    calls.push(['request', o.method, o.url, o.header.Authorization]);
    o.success({ statusCode: 200, data: { amount_text: '¥1.00', payment: { package: 'prepay_id=p1' } } });
  },
  requestPayment: (o) => { calls.push(['requestPayment', o.package]); o.success({ errMsg: 'requestPayment:ok' }); },
  navigateBack: (o) => calls.push(['navigateBack', o.delta]),
  reLaunch: (o) => calls.push(['reLaunch', o.url]),
  redirectTo: (o) => calls.push(['redirectTo', o.url]),
};
require('./pages/pay/pay.js');
page.setData = function (data) { this.data = Object.assign({}, this.data, data); };
page.onLoad({ order_id: ORDER });
setTimeout(() => {
  assert.deepStrictEqual(calls, [
    ['request', 'POST', 'https://api.example/api/mp/orders/' + ORDER + '/pay', 'Bearer kdmp.token'],
    ['requestPayment', 'prepay_id=p1'],
    ['navigateBack', 1],  // back to the web-view page that handed the order over
  ]);
  calls.length = 0;
  stack = [{ route: 'pages/pay/pay' }];  // opened first (a shared link): nothing to go back to
  page.done();
  assert.deepStrictEqual(calls, [['reLaunch', '/pages/orders/orders?path=' + encodeURIComponent('/orders/' + ORDER)]]);
  console.log('ok');
}, 50);
"""


def test_the_pay_page_pays_then_goes_back_to_the_web_page_in_node():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (make assets needs it too)")
    result = subprocess.run([node, "-e", PAY_PAGE_CHECKS], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
