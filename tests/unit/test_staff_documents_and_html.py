"""Document uploads are checked before saving and keep the replaced text; pages escape every text."""

from __future__ import annotations

import pytest

from knowledge.corpus import load_documents
from staff.documents import TEMPLATE, DocumentError, DocumentStore, clean_document_text
from staff.history import History
from staff.html import Markup, environment, render
from tests.knowledge_copy import copy_content


@pytest.fixture()
def store(tmp_path) -> DocumentStore:
    root = copy_content(tmp_path / "knowledge")
    return DocumentStore(root, History(root / "history"))


def test_the_template_is_a_valid_document_and_is_indexed_after_upload(store):
    document = store.save(TEMPLATE, "mau.md", "an", replace=False)
    assert document.id in {d.id for d in load_documents(store.directory)}
    assert [v.action for v in store.history.versions("documents", document.id)] == ["add"]


def test_a_document_without_front_matter_or_sections_is_refused_with_reasons(store):
    with pytest.raises(DocumentError, match="bắt đầu bằng dòng «---»"):
        store.save("Chỉ có chữ.", "van-ban.md", "an", replace=False)
    with pytest.raises(DocumentError, match="«## Tên mục»") as refused:
        store.save("---\ntitle: \"Văn bản\"\n---\nKhông có mục nào.\n", "van-ban.md", "an", replace=False)
    assert "van-ban" not in {d.id for d in load_documents(store.directory)}
    assert "title" not in str(refused.value)  # the title was given: only the missing sections are reported


def test_replacing_needs_a_choice_and_keeps_the_old_text(store):
    original = store.text("quy-vi-nguoi-ngheo")
    changed = original.replace("## ", "## Sửa: ", 1)
    with pytest.raises(DocumentError, match="Thay thế"):
        store.save(changed, "quy-vi-nguoi-ngheo.md", "an", replace=False)
    store.save(changed, "quy-vi-nguoi-ngheo.md", "an", replace=True)
    versions = store.history.versions("documents", "quy-vi-nguoi-ngheo")
    assert versions[-1].content == original  # the original is kept, oldest last
    store.restore("quy-vi-nguoi-ngheo", versions[-1].number, "binh")
    assert store.text("quy-vi-nguoi-ngheo") == original


def test_uploads_must_be_utf8_and_are_normalised():
    with pytest.raises(DocumentError, match="UTF-8"):
        clean_document_text("Lãi suất".encode("cp1258", errors="ignore") + b"\xff\xfe\xfa")
    assert clean_document_text("Lãi suất\r\n".encode("utf-8")) == "Lãi suất\n"


def test_templates_escape_every_value_and_print_only_markup_as_it_is():
    page = render("message.html", text='<script>alert("x")</script>', link="/faq?a=1&b=2",
                  link_text=Markup("<em>ok</em>"))
    assert page == ('<p>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</p>'
                    '<p><a href="/faq?a=1&amp;b=2"><em>ok</em></a></p>')
    assert render("message.html", text=render("message.html", text="<b>", link="", link_text=""), link="",
                  link_text="").count("&lt;b&gt;") == 1, "HTML a template made is not escaped twice"


def test_every_template_compiles_and_escapes_by_default():
    env = environment()
    assert env.autoescape is True
    names = env.list_templates()
    assert len(names) >= 20, names
    for name in names:
        env.get_template(name)  # a syntax error fails here, not on the page that uses it
