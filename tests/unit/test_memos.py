"""Memos the hub writes are stored as a key and arguments and rendered in the reader's language."""
import pytest
from flask_babel import force_locale

from app import create_app
from app.ledger.memos import SYSTEM_MEMOS, render_memo, system_memo


@pytest.fixture(scope="module")
def flask_app():
    return create_app({"TESTING": True, "DATABASE_URL": "sqlite://"})


def test_a_system_memo_reads_in_each_language(flask_app):
    stored = system_memo("clearing", run=12, invoices=3)
    assert stored == {"key": "clearing", "args": {"run": 12, "invoices": 3}}
    with flask_app.test_request_context():
        with force_locale("fr"):
            assert render_memo("", stored) == "Compensation multilatérale n°\u00a012\u00a0: 3 factures"
        with force_locale("en"):
            assert render_memo("", stored) == "Multilateral clearing No. 12: 3 invoices"


def test_what_a_member_wrote_follows_the_hubs_part_unchanged(flask_app):
    with flask_app.test_request_context(), force_locale("en"):
        assert render_memo("3 h of CNC", system_memo("invoice_payment", number=7)) == "Invoice No. 7 — 3 h of CNC"
        assert render_memo("plain memo", None) == "plain memo"


def test_an_unknown_key_is_refused_when_written():
    with pytest.raises(KeyError):
        system_memo("not-a-memo")
    assert all(text for text in SYSTEM_MEMOS.values())
