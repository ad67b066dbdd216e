"""The editor's person-facing words that its JavaScript shows (everything static is translated in
the template): English message ids, translated per request and handed to the editor as JSON.
``%(name)s`` placeholders are filled in by the editor."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STRINGS = {
    "saved": _l("All changes saved"),
    "unsaved": _l("Unsaved changes"),
    "saving": _l("Saving…"),
    "invalid": _l("Not saved: check the highlighted settings"),
    "offline": _l("Offline: retrying…"),
    "conflictShort": _l("Changed elsewhere"),
    "saveFailed": _l("Could not save the draft."),
    "readOnly": _l("Read-only: the store is not open"),
    "someone": _l("Someone"),
    "conflictPage": _l("%(who)s saved this page %(when)s, after you opened it."),
    "conflictTheme": _l("The theme settings were saved elsewhere %(when)s, after you opened them."),
    "reloadedTheirs": _l("Loaded their version. Your edits are one undo away."),
    "publish": _l("Publish"),
    "publishing": _l("Publishing…"),
    "publishedShort": _l("Published"),
    "published": _l("Published: version %(version)s is live on your store."),
    "publishFailed": _l("Could not publish."),
    "publishNeedsSave": _l("Save the draft first: fix what is highlighted."),
    "notPublished": _l("Not published yet"),
    "unpublishedChanges": _l("Unpublished changes"),
    "liveVersion": _l("Live: version %(version)s"),
    "versionN": _l("Version %(version)s"),
    "restored": _l("Version %(version)s is now the draft. Publish to make it live."),
    "restoreFailed": _l("Could not restore this version."),
    "templateNote": _l("Template: %(name)s"),
    "templateSwitched": _l("Switched to the %(name)s template; your content was kept."),
    "switchFailed": _l("Could not switch the template."),
    "unknownSection": _l("This section type no longer exists."),
    "notOnThisPage": _l("This section cannot be used on this page."),
    "pageFull": _l("A page holds at most %(max)s sections."),
    "onlyN": _l("A page holds at most %(max)s of these."),
    "sectionDeleted": _l("%(name)s deleted."),
    "blocksFull": _l("This section holds no more blocks."),
    "blockCount": _l("%(n)s of %(max)s"),
    "pageSettings": _l("Page settings"),
    "themeSettings": _l("Theme settings"),
    "charCount": _l("%(n)s / %(max)s"),
    "linkPrompt": _l("Link address (https://…)"),
    "uploadFailed": _l("Could not upload the image."),
    "missingProduct": _l("A deleted product"),
    "pickAtMost": _l("Choose at most %(max)s products."),
    "pickedCount": _l("%(n)s of at most %(max)s chosen"),
    "productLink": _l("Product: %(name)s"),
    "categoryLink": _l("Category: %(name)s"),
    "status_sold_out": _l("Sold out"),
    "status_off_sale": _l("Off sale"),
    "contrastRatio": _l("%(ratio)s:1 (needs %(minimum)s:1)"),
    "useColour": _l("Use %(colour)s"),
}


def editor_strings() -> dict[str, str]:
    return {key: str(value) for key, value in STRINGS.items()}
