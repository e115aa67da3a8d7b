"""Document uploads are checked before saving and keep the replaced text; pages escape every text."""

from __future__ import annotations

import pytest

from knowledge.corpus import load_documents
from staff.documents import TEMPLATE, DocumentError, DocumentStore, clean_document_text
from staff.history import History
from staff.html import Safe, esc, render
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


def test_rendered_text_is_escaped_and_safe_html_is_not_escaped_twice():
    page = render("<p>$a</p>$b", a='<script>alert("x")</script>', b=Safe("<em>ok</em>"))
    assert page == '<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p><em>ok</em>'
    assert esc(esc("<b>")) == "&lt;b&gt;"
