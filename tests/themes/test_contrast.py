"""Colour contrast (``themes/contrast.py``): WCAG ratios, every template's text colours readable, a
merchant's faint colour made readable in the store and on publishing, and the builder told."""

from __future__ import annotations

import colorsys
import re

import pytest

from kaidian.themes import contrast, industries, style
from kaidian.themes.theme_schema import THEME
from tests.themes.helpers import store_get


def _theme(key: str) -> dict:
    return {s.id: industries.INDUSTRIES[key].theme.get(s.id, s.default) for s in THEME.settings}


def _hue(colour: str) -> float:
    return colorsys.rgb_to_hls(*(c / 255 for c in contrast.rgb(colour)))[0]


@pytest.mark.parametrize(("foreground", "background", "expected"), [
    ("#000000", "#ffffff", 21.0),
    ("#ffffff", "#ffffff", 1.0),
    ("#777777", "#ffffff", 4.48),
    ("#767676", "#ffffff", 4.54),
    ("#07c160", "#ffffff", 2.38),
    ("#ffffff", "#999999", 2.85),
])
def test_known_contrast_ratios(foreground, background, expected):
    assert contrast.ratio(foreground, background) == pytest.approx(expected, abs=0.01)
    assert contrast.ratio(background, foreground) == contrast.ratio(foreground, background)


# Every pair of text colour and what it sits on that the stylesheet draws with the theme's variables.
TEXT_PAIRS = [
    ("--kd-text", "--kd-bg"), ("--kd-text", "--kd-surface"),
    ("--kd-muted", "--kd-bg"), ("--kd-muted", "--kd-surface"),
    ("--kd-primary-text", "--kd-bg"), ("--kd-primary-text", "--kd-surface"), ("--kd-primary-text", "--kd-primary-soft"),
    ("--kd-accent-text", "--kd-bg"), ("--kd-accent-text", "--kd-surface"),
    ("--kd-on-primary", "--kd-primary"), ("--kd-on-accent", "--kd-accent"),
]


@pytest.mark.parametrize("template", sorted(industries.INDUSTRIES))
def test_every_templates_text_pairs_reach_aa(template):
    variables = style.theme_variables(_theme(template))
    for foreground, background in TEXT_PAIRS:
        value = contrast.ratio(variables[foreground], variables[background])
        assert value >= contrast.AA_NORMAL, f"{template}: {foreground} on {background} is {value:.2f}:1"


@pytest.mark.parametrize("template", sorted(industries.INDUSTRIES))
def test_every_templates_own_section_colours_reach_aa(template):
    """Sections a template fills with a colour of its own (image-with-text on a tint, a dark header):
    their text, muted, primary and accent text are redrawn readable on that colour."""
    theme = _theme(template)
    for settings in _coloured_sections(industries.INDUSTRIES[template]):
        declared = dict(part.split(":") for part in style.section_style(settings, theme).split(";"))
        background = declared["--kd-section-bg"]
        for name in ("--kd-section-text", "--kd-muted", "--kd-primary-text", "--kd-accent-text", "--kd-section-on-bg"):
            assert contrast.ratio(declared[name], background) >= contrast.AA_NORMAL, (template, name, settings)


def _coloured_sections(industry) -> list[dict]:
    return [settings for sections in industry.pages.values() for _, _, settings, _ in sections
            if settings.get("background")]


@pytest.mark.parametrize(("colour", "backgrounds"), [
    ("#999999", ["#ffffff"]),
    ("#ffb400", ["#ffffff", "#f6f6f6"]),
    ("#07c160", ["#ffffff"]),
    ("#333333", ["#222222"]),
    ("#e8508a", ["#fff5f8", "#ffffff"]),
])
def test_a_failing_colour_becomes_the_nearest_readable_shade_of_its_hue(colour, backgrounds):
    fixed = contrast.readable(colour, backgrounds)
    assert contrast.worst_ratio(fixed, backgrounds) >= contrast.AA_NORMAL
    if contrast.rgb(colour)[0] != contrast.rgb(colour)[1]:  # a grey has no hue to keep
        assert _hue(fixed) == pytest.approx(_hue(colour), abs=0.02)
    assert contrast.worst_ratio(fixed, backgrounds) < contrast.AA_NORMAL + 0.2  # the nearest, not black


def test_a_passing_colour_is_left_alone():
    assert contrast.readable("#222222", ["#ffffff", "#f6f6f6"]) == "#222222"


def test_text_on_a_fill_is_white_when_white_reads_else_dark():
    assert contrast.on_colour("#1f1f1f") == "#ffffff"
    assert contrast.on_colour("#07c160") == "#1a1a1a"
    for fill in ("#777777", "#808080", "#e8508a", "#ffb400", "#0000ff"):
        assert contrast.ratio(contrast.on_colour(fill), fill) >= contrast.AA_NORMAL


def test_a_merchants_faint_colours_are_readable_in_the_store():
    settings = {**_theme("clothing"), "text_color": "#bbbbbb", "primary_color": "#ffd500", "accent_color": "#fff0a0",
                "background_color": "#ffffff"}
    variables = style.theme_variables(settings)
    for foreground, background in TEXT_PAIRS:
        assert contrast.ratio(variables[foreground], variables[background]) >= contrast.AA_NORMAL, foreground
    assert variables["--kd-primary"] == "#ffd500"  # the brand's fill is kept


def test_the_theme_pairs_say_which_fail_with_a_suggestion():
    pairs = {(p["setting"], p["background"]): p for p in
             (pair.describe() for pair in contrast.theme_pairs({**_theme("clothing"), "text_color": "#aaaaaa"}))}
    on_page = pairs[("text_color", "#ffffff")]
    assert on_page["passes"] is False and on_page["ratio"] == pytest.approx(2.32, abs=0.01)
    assert contrast.ratio(on_page["suggestion"], "#ffffff") >= 4.5 and on_page["minimum"] == 4.5


def test_adjusting_a_theme_changes_only_a_failing_text_colour_and_says_so(app):
    with app.test_request_context():
        same, none = contrast.adjust_theme(_theme("food"))
        assert same == _theme("food") and none == []
        adjusted, messages = contrast.adjust_theme({**_theme("food"), "text_color": "#c8b8a8"})
    assert adjusted["text_color"] != "#c8b8a8" and adjusted["primary_color"] == _theme("food")["primary_color"]
    assert contrast.worst_ratio(adjusted["text_color"], ["#fff8ef", "#ffffff"]) >= 4.5
    assert len(messages) == 1 and "#c8b8a8" in messages[0] and adjusted["text_color"] in messages[0]


def test_the_builder_sees_the_ratio_and_publishing_adjusts_a_faint_text_colour(client, alpha, alpha_api):
    theme = client.get("/api/v1/theme", headers=alpha_api).get_json()
    assert all(pair["passes"] for pair in theme["contrast"] if pair["setting"] == "text_color")
    document = theme["draft"]
    document["settings"]["text_color"] = "#cccccc"
    saved = client.put("/api/v1/theme/draft", headers=alpha_api,
                       json={"document": document, "base_revision": theme["draft_revision"]}).get_json()
    failing = [pair for pair in saved["contrast"] if not pair["passes"]]
    assert failing and failing[0]["foreground"] == "#cccccc" and failing[0]["ratio"] < 2
    assert saved["draft"]["settings"]["text_color"] == "#cccccc"  # a draft keeps what was typed
    published = client.post("/api/v1/theme/publish", headers=alpha_api, json={}).get_json()
    live = published["published"]["settings"]["text_color"]
    assert live != "#cccccc" and contrast.ratio(live, "#ffffff") >= 4.5
    assert published["draft"]["settings"]["text_color"] == live and not published["has_unpublished_changes"]
    assert published["draft_revision"] == saved["draft_revision"] + 1
    assert len(published["notices"]) == 1 and "#cccccc" in published["notices"][0]
    html = store_get(client, "alpha").get_data(as_text=True)
    assert f"--kd-text:{live};" in html


def test_the_store_draws_a_faint_published_colour_readable(app, client, alpha, alpha_api):
    """A theme published before the check (or written past it) still shows readable text."""
    from kaidian.platform.extensions import db
    from kaidian.platform.tenancy import tenant_context
    from kaidian.themes.models import ThemeSettings

    with app.app_context(), tenant_context(alpha.tenant_id):
        theme = db.session.query(ThemeSettings).one()
        theme.published = {**theme.published, "settings": {**theme.published["settings"], "text_color": "#dddddd"}}
        db.session.commit()
    html = store_get(client, "alpha").get_data(as_text=True)
    text = re.search(r"--kd-text:(#[0-9a-f]{6});", html).group(1)
    muted = re.search(r"--kd-muted:(#[0-9a-f]{6});", html).group(1)
    assert contrast.ratio(text, "#ffffff") >= 4.5 and contrast.ratio(muted, "#ffffff") >= 4.5
