"""The merchant's Mini program page in a real browser (Chromium), against the sandbox with a real RQ worker:
authorization and the setup checklist, a to-do fixed from the page, the template committed, the trial QR
code decoding as an image, the review submitted, WeChat's decision reaching the page, the release, and
the version history saying who did what when; a rollback asked from the page (confirmed in its dialog)
that WeChat refuses, with nothing before the first release, says why and leaves the release online.
Set-up and skipping: tests/browser.py."""

from __future__ import annotations

import re
import time

from .helpers import WAIT, decide, publish_template

STEPS = ("domains", "webview", "privacy", "category")


def reload_until(page, selector: str, what: str, timeout: float = WAIT) -> None:
    """Reload the page (what its own refresh does while a step runs) until ``selector`` is there."""
    deadline = time.monotonic() + timeout
    while page.locator(selector).count() == 0:
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)
        page.goto("/admin/miniprogram/")


def click_and_wait(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def test_the_merchant_sets_up_commits_submits_and_releases_from_the_page(app, sandbox, authorized, alpha,
                                                                         platform_admin, workers, logged_in):
    publish_template(platform_admin)
    workers.start(1)
    page = logged_in(alpha.login)
    page.goto("/admin/miniprogram/")

    # authorization and each setup item to do
    assert authorized in page.locator("#authorization").inner_text()
    for step in STEPS:
        item = page.locator(f'#setup li[data-step="{step}"]')
        assert item.get_attribute("data-done") == "0" and "To do" in item.inner_text()
    assert page.get_by_role("button", name="Upload and submit for review").count() == 0  # setup first

    # one to-do fixed from the page; the others stay to do
    click_and_wait(page, '#setup li[data-step="domains"] button')
    assert "Setup started" in page.locator("main").inner_text()
    reload_until(page, '#setup li[data-step="domains"][data-done="1"]', "the server domains done")
    assert "Done" in page.locator('#setup li[data-step="domains"]').inner_text()
    assert page.locator('#setup li[data-step="privacy"]').get_attribute("data-done") == "0"

    click_and_wait(page, "button:has-text('Do all remaining setup')")
    reload_until(page, "#setup:not(:has(li[data-done='0']))", "the whole checklist done")

    # commit the template: the trial version's QR code is a real image
    click_and_wait(page, "button:has-text('Upload the current template')")
    reload_until(page, "#trial-qr img", "the trial version uploaded")
    width = page.locator("#trial-qr img").evaluate("img => img.decode().then(() => img.naturalWidth)")
    assert width > 0

    # submit for review: under review, then approved by WeChat (the sandbox decides and pushes the event)
    click_and_wait(page, "button:has-text('Submit the trial version for review')")
    reload_until(page, '#submissions tr[data-status="auditing"]', "the submission under review")
    assert "Under review" in page.locator("#submissions").inner_text()
    assert decide(sandbox, authorized, "approve")["push"]["answered_success"]
    reload_until(page, '#submissions tr[data-status="approved"]', "the approval")

    # release, and the history says who did what and when
    click_and_wait(page, '#submissions tr[data-status="approved"] button:has-text("Release")')
    reload_until(page, '#submissions tr[data-status="released"]', "the release")

    # roll back, confirmed in the page's dialog: this first release has nothing before it (WeChat's 87012)
    page.click('#submissions tr[data-status="released"] button:has-text("Roll back")')
    dialog = page.locator("dialog#kd-confirm")
    assert "back online" in dialog.inner_text()
    with page.expect_navigation():
        dialog.locator("[data-confirm-ok]").click()
    reload_until(page, '#submissions tr[data-status="released"] .field-error', "WeChat's refusal")
    assert "errcode 87012" in page.locator('#submissions tr[data-status="released"]').inner_text()
    rows = [row.split("\t") for row in page.locator("#history tbody tr").all_inner_texts()]
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", when) for when, _what, _who in rows), rows
    said = [(what.split(" — ")[0], who) for _when, what, who in rows]
    for expected in [("Review: Rolling back", "Alpha"), ("Review: Released", "Kaidian"),
                     ("Review: Releasing", "Alpha"), ("Review: Approved", "Kaidian"),
                     ("Review: Under review", "Kaidian"), ("Review: Submitting", "Alpha"),
                     ("Version: Uploaded (trial version)", "Kaidian"), ("Version: Uploading", "Alpha"),
                     ("Setup: Done", "Kaidian"), ("Setup: Requested", "Alpha")]:
        assert expected in said, said
    assert said[0] == ("Review: Released", "Kaidian")  # newest first: the rollback refused, still released
