"""Platform pages link to domain pages only through the entry points domains register
(``console.add_entry_point``): no platform template or module names a domain's endpoint."""

from __future__ import annotations

import re
from pathlib import Path

from kaidian.platform import console

PLATFORM = Path(__file__).resolve().parents[2] / "kaidian" / "platform"
OWN_BLUEPRINTS = {"platform", "console", "kd_static", "static"}
ENDPOINT = re.compile(r"""url_for\(\s*['"]([\w.]+)['"]""")


def test_no_platform_template_or_module_names_a_domain_endpoint():
    named = {}
    for path in [*PLATFORM.glob("templates/**/*.html"), *PLATFORM.glob("*.py")]:
        if path.name == "forms.py":  # its docstring shows a domain's use of the helper
            continue
        for endpoint in ENDPOINT.findall(path.read_text()):
            if endpoint.split(".")[0] not in OWN_BLUEPRINTS:
                named.setdefault(str(path.relative_to(PLATFORM)), []).append(endpoint)
    assert named == {}


def test_the_landing_and_login_pages_link_to_the_registered_signup(client):
    assert console.ENTRY_POINTS["signup"] == "signup.signup"
    landing = client.get("/").get_data(as_text=True)
    assert 'href="/signup"' in landing and 'href="/signup?plan=pro"' in landing
    assert 'href="/signup"' in client.get("/login").get_data(as_text=True)


def test_without_a_registered_page_the_link_is_left_out(client, monkeypatch):
    monkeypatch.delitem(console.ENTRY_POINTS, "signup")
    landing = client.get("/")
    assert landing.status_code == 200 and "/signup" not in landing.get_data(as_text=True)
