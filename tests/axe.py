"""axe-core (from npm: ``node_modules/axe-core/axe.min.js``, installed by ``make install``) run in a
page that Playwright opened in Debian's Chromium.

The script is injected into the page; the pages' own Content-Security-Policy would refuse an inline
or foreign script, so the browser context that runs axe is opened with ``bypass_csp=True`` (only
that context: every other browser test keeps the policy on). ``serious(page)`` gives the serious and
critical violations, each with its rule id, impact, help text and the node targets, which is what a
failing assertion prints.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests import services

AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")

RUN = """async () => {
  const results = await axe.run(document, { resultTypes: ["violations"] });
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({ target: n.target.join(" "), summary: (n.failureSummary || "").slice(0, 300) })),
  }));
}"""


def need_axe() -> Path:
    if not AXE.exists():
        if services.in_ci():
            pytest.fail(f"CI=true but {AXE} is missing (make install runs npm ci)")
        pytest.skip(f"{AXE} is missing (run `make install`)")
    return AXE


def violations(page) -> list[dict]:
    """Every violation axe finds in ``page`` as it is now (all rules but the experimental ones)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(need_axe()))
    found = page.evaluate(RUN)
    _record(page.url, found)
    return found


def serious(page) -> list[dict]:
    return [v for v in violations(page) if v["impact"] in BLOCKING]


def describe(found: list[dict]) -> str:
    lines = []
    for violation in found:
        targets = "; ".join(node["target"] for node in violation["nodes"][:8])
        lines.append(f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])} nodes): "
                     f"{violation['help']} — {targets}")
        if violation["nodes"]:
            lines.append(f"    {violation['nodes'][0]['summary']}")
    return "\n".join(lines)


def _record(url: str, found: list[dict]) -> None:
    """With ``AXE_REPORT=file``, one JSON line per page checked (for measuring, not for the tests)."""
    report = os.environ.get("AXE_REPORT")
    if report:
        with open(report, "a", encoding="utf-8") as out:
            counts = {f"{v['id']}:{v['impact']}": len(v["nodes"]) for v in found}
            out.write(json.dumps({"url": url, "violations": counts}) + "\n")
