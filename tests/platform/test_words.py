"""One English word with two meanings has two Chinese translations (issue #10, item 6): the
catalog keeps them apart with message contexts."""

import pytest
from flask_babel import force_locale, gettext, pgettext


@pytest.mark.parametrize("context, word, with_context, without", [
    ("custom page", "Title", "页面标题", "商品名称"),
    ("import outcome", "Created", "新建", "创建时间"),
    ("device", "Phone", "手机", "电话"),
    ("button", "Done", "完成", "已完成"),
    ("volume", "Size", "容量", "尺码"),
])
def test_each_meaning_has_its_own_translation(app, context, word, with_context, without):
    with app.test_request_context(), force_locale("zh"):
        assert pgettext(context, word) == with_context
        assert gettext(word) == without


def test_the_two_storefront_pages_of_the_admin_have_different_names(app):
    with app.test_request_context(), force_locale("zh"):
        assert gettext("Storefront") != gettext("Store design")
