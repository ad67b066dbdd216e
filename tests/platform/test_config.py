"""Configuration: one PORT (and SANDBOX_PORT) is enough for links and the sandbox's addresses, and every
variable the app or the sandbox reads is in README's configuration table."""

import re
from pathlib import Path

import pytest

from kaidian.platform.config import SETTINGS, from_environment
from kaidian.sandbox.config import DEFAULTS as SANDBOX_DEFAULTS

ROOT = Path(__file__).resolve().parents[2]


def test_port_alone_moves_the_platform_host_and_the_wechat_bases():
    values = from_environment({"PORT": "5301", "SANDBOX_PORT": "5401"})
    assert values["PLATFORM_HOST"] == "localhost:5301"
    assert {values[f"WECHAT_{k}_BASE"] for k in ("API", "MP", "OPEN")} == {"http://127.0.0.1:5401"}


def test_defaults_and_explicit_values_win():
    assert from_environment({})["PLATFORM_HOST"] == "localhost:5000"
    assert from_environment({})["WECHAT_API_BASE"] == "http://127.0.0.1:5100"
    values = from_environment({"PORT": "5301", "PLATFORM_HOST": "shop.example.com",
                               "WECHAT_API_BASE": "https://api.weixin.qq.com"})
    assert values["PLATFORM_HOST"] == "shop.example.com" and values["WECHAT_API_BASE"] == "https://api.weixin.qq.com"


def _environment_reads() -> set[str]:
    """Names read with os.environ.get / os.getenv anywhere in the app, the sandbox and the root scripts."""
    names = set(SETTINGS) | set(SANDBOX_DEFAULTS)
    files = list((ROOT / "kaidian").rglob("*.py")) + list(ROOT.glob("*.py"))
    for path in files:
        names |= set(re.findall(r"""(?:environ\.get|getenv)\(\s*["']([A-Z][A-Z0-9_]+)["']""", path.read_text()))
    return {name for name in names if not name.startswith("HTTP_")}  # HTTP_*: WSGI request headers, not settings


@pytest.mark.parametrize("name", sorted(_environment_reads()))
def test_every_variable_read_is_documented(name):
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Configuration"):readme.index("## Running the parts")]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    for row in re.findall(r"^\|(.*?)\|", table, re.M):  # `WECHAT_COMPONENT_APPID` / `_SECRET` → WECHAT_COMPONENT_SECRET
        names = re.findall(r"`([A-Z_][A-Z0-9_]*)`", row)
        documented |= {names[0].rsplit("_", 1)[0] + part for part in names[1:] if part.startswith("_")}
    assert name in documented, f"{name} is read from the environment but missing from README's table"
