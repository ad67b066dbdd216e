"""What a tenant types is data: rich text is cleaned, template syntax is printed, markup escaped."""

from tests.themes.helpers import one_section, page_of, publish, save_draft, section_html, store_get


def test_a_script_in_rich_text_is_removed(client, alpha, alpha_api):
    content = '<p>Hello <strong>friends</strong><script>alert("x")</script><img src=x onerror="alert(1)"></p>' \
              '<a href="javascript:alert(2)">bad</a><a href="https://example.com">good</a>'
    publish(client, alpha_api, "home", one_section("rich_text", {"content": content}))
    stored = page_of(client, alpha_api, "home")["published"]["sections"]["main"]["settings"]["content"]
    page = section_html(store_get(client, "alpha").get_data(as_text=True), "main")
    for html in (stored, page):
        assert "<script" not in html and "alert(" not in html and "onerror" not in html
        assert "javascript:" not in html
    assert "<strong>friends</strong>" in page and 'href="https://example.com"' in page


def test_a_template_expression_in_a_text_setting_is_printed_not_evaluated(client, alpha, alpha_api):
    publish(client, alpha_api, "home", one_section("rich_text", {"heading": "Sale {{ 7*7 }} {% if 1 %}x{% endif %}"}))
    page = store_get(client, "alpha").get_data(as_text=True)
    assert "Sale {{ 7*7 }} {% if 1 %}x{% endif %}" in page
    assert "Sale 49" not in page


def test_markup_in_text_settings_is_escaped(client, alpha, alpha_api):
    text = '"><img src=x onerror=alert(1)>'
    publish(client, alpha_api, "home", one_section("notice", {"text": text, "link": "/search?q=%22%3E"}))
    page = store_get(client, "alpha").get_data(as_text=True)
    assert "<img src=x" not in page
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in page


def test_template_syntax_cannot_reach_the_sandbox_through_the_store_name(app, client, alpha, alpha_api):
    from kaidian.platform.extensions import db
    from kaidian.platform.models import Tenant

    with app.app_context():
        db.session.get(Tenant, alpha.tenant_id).name = "{{ ''.__class__.__mro__ }}"
        db.session.commit()
    page = store_get(client, "alpha").get_data(as_text=True)
    assert "{{ &#39;&#39;.__class__.__mro__ }}" in page and "<class" not in page


def test_unsafe_links_are_refused_on_save_and_nothing_changes(client, alpha, alpha_api):
    before = page_of(client, alpha_api, "home")
    document = one_section("notice", {"text": "x", "link": "javascript:alert(1)"})
    response = save_draft(client, alpha_api, "home", document)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["sections.main.settings.link"]
    assert page_of(client, alpha_api, "home") == before
