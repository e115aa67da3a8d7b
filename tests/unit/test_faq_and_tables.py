"""The knowledge files: complete, sourced, and with every figure from one table."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge.corpus import chunk_document, load_documents, load_faq
from knowledge.tables import FIGURE_FIELDS, PolicyTables, typed_figures

FAQ = load_faq()
TABLES = PolicyTables.load()


def test_faq_is_large_enough_and_ids_unique():
    assert len(FAQ) >= 120
    assert len({e.id for e in FAQ}) == len(FAQ)


@pytest.mark.parametrize("entry", FAQ, ids=lambda e: e.id)
def test_faq_entry_is_complete(entry):
    assert entry.question and entry.answer
    assert len(entry.paraphrases) >= 3
    assert entry.sources, "every answer names its legal source"
    assert entry.topic
    date.fromisoformat(entry.reviewed)


@pytest.mark.parametrize("entry", FAQ, ids=lambda e: e.id)
def test_faq_answer_types_no_figure_and_renders(entry):
    assert not typed_figures(entry.answer), "figures must come from {{placeholders}}"
    rendered = TABLES.render(entry.answer)  # raises KeyError on an unknown placeholder
    assert "{{" not in rendered.text


def test_every_programme_figure_has_a_source_and_status():
    for programme in TABLES.programmes.values():
        for field in FIGURE_FIELDS:
            figure = TABLES.figure(programme["id"], field)
            assert figure.text, (programme["id"], field)
            if figure.confirmed:
                assert figure.source, f"{programme['id']}.{field} is confirmed but has no source"


def test_every_fact_has_a_source_and_status():
    for key in TABLES.facts:
        for value in TABLES.values("facts", key):
            assert value.fields.get("status") in ("confirmed", "unconfirmed"), (key, value.index)
            assert value.fields.get("text") or value.fields.get("value") is not None or value.fields.get("rule"), key
            if value.fields["status"] == "confirmed":
                assert value.fields.get("source") or value.fields.get("rule"), (key, value.index)


def test_unconfirmed_figures_are_flagged_when_spoken():
    unconfirmed = [(p, f) for p in TABLES.programmes for f in FIGURE_FIELDS if not TABLES.figure(p, f).confirmed]
    assert unconfirmed, "the fact sheet has unconfirmed items; the table must keep them marked"
    for programme, field in unconfirmed:
        assert "xác nhận" in TABLES.figure(programme, field).spoken()


def test_documents_chunk_into_cited_passages():
    documents = load_documents()
    assert any(d.id == "chi-thi-tinh-uy-hai-duong" for d in documents)
    for document in documents:
        passages = chunk_document(document)
        assert passages, document.id
        for passage in passages:
            assert passage.citation and passage.text
            assert len(passage.text.split()) <= 400
