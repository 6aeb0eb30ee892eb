"""The hash chain: gap-free sequence, prev_hash links, canonical form, verification of an intact chain."""
import datetime
import hashlib
import io

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from nicat.audit.chain import GENESIS_HASH, canonical_text, reference_canonical_text
from nicat.audit.models import AuditEvent
from nicat.audit.services import record
from nicat.audit.verify import verify_chain

from .conftest import fake_case

pytestmark = pytest.mark.django_db


def test_events_form_a_gap_free_linked_chain(events):
    stored = list(AuditEvent.objects.order_by("sequence"))
    assert [e.sequence for e in stored] == list(range(1, 9))
    assert stored[0].prev_hash == GENESIS_HASH
    for before, after in zip(stored, stored[1:]):
        assert after.prev_hash == before.hash
    for event in stored:
        assert event.hash == hashlib.sha256(event.canonical_bytes()).hexdigest()


def test_the_canonical_form_is_sorted_key_json_of_every_field(events):
    event = AuditEvent.objects.get(sequence=3)
    fields = dict(sequence=event.sequence, occurred_at=event.occurred_at, actor_id=event.actor_id,
                  actor_username=event.actor_username, institution_id=event.institution_id, action=event.action,
                  object_type=event.object_type, object_id=event.object_id, case_reference=event.case_reference,
                  case_uuid=event.case_uuid, reason=event.reason, ip=event.ip, request_id=event.request_id,
                  changes=event.changes, details=event.details, prev_hash=event.prev_hash)
    text = event.canonical_bytes().decode()
    assert text == reference_canonical_text(**fields)
    assert text.startswith('{"action":"case.view","actor_id":%d,' % event.actor_id)
    assert '"sequence":3}' in text and '"occurred_at":"' in text and text.count("Z\"") == 1


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reason=_text, username=_text, details=st.dictionaries(_text, st.one_of(_text, st.integers(), st.none()),
                                                               max_size=3))
def test_fast_canonical_text_equals_the_definition(reason, username, details):
    fields = dict(sequence=7, occurred_at=datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.timezone.utc),
                  actor_id=None, actor_username=username, institution_id=3, action="case.view",
                  object_type="cases.case", object_id="x", case_reference="NCT-2026-000001", case_uuid="",
                  reason=reason, ip="10.0.0.1", request_id="r", changes={"a": [reason, None]}, details=details,
                  prev_hash=GENESIS_HASH)
    assert canonical_text(**fields) == reference_canonical_text(**fields)


def test_any_text_survives_the_round_trip_through_the_database(user):
    """Azerbaijani, Russian, quotes, backslashes and control characters hash the same after storage."""
    for text in ["Məmmədova Ülviyyə ğ ş ç ö ı İ", "Мамедова «ёж»", 'q"uo\\te\n\t\x01\x7f', "\u2028 emoji 🙂"]:
        record(actor=user, action="note.create", reason=text, details={"k": text, "ü": [1, 2.5, None]})
    result = verify_chain()
    assert result.ok, result.summary()
    assert result.events == 4


def test_verify_reports_ok_and_the_number_of_events(events):
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert out.getvalue().strip() == "OK 8 events"


def test_an_empty_trail_verifies():
    assert verify_chain().summary() == "OK 0 events"


def test_case_reference_and_uuid_are_recorded(user):
    case = fake_case("NCT-2026-000042")
    event = record(actor=user, action="case.view", case=case)
    assert (event.case_reference, event.case_uuid) == ("NCT-2026-000042", str(case.uuid))
