"""An erasure reaches every record of the person, however many merges deep (review of 5 December 2026).

The coordinator merged record A into B, then B into C: three records of one woman. Erasing (her request or
the retention period) looked one merge deep — erasing C erased B, and A kept her name, birth date, documents
and phone, readable under a data key nobody destroyed; the check that refuses an erasure while another
institution has an open case of her looked one merge deep too. A request to erase recorded on her case
before the merge erased the merged record it named, and left the kept record, where her cases are now; a request to
correct corrected the merged record nobody reads any more."""
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.cases.models import Case
from nicat.persons.models import Person
from nicat.persons.services import merge_persons
from nicat.privacy.models import PersonKey
from nicat.retention import services as retention
from tests.support.world import make_user

PHONE = "+994 50 765 43 31"


@pytest.fixture(autouse=True)
def own_ledger(tmp_path, settings):
    settings.NICAT_ERASURE_LEDGER = str(tmp_path / "erased-person-keys.txt")


def _three_records(cast):
    """Cases on three records of one woman; A merged into B, then B into C. Returns the three cases."""
    born = datetime.date(1999, 4, 2)
    c = cast.open_case(person={"given_name": "Aysel", "family_name": "Məmmədova", "birth_date": born, "phone": PHONE})
    b = cast.open_case(person={"given_name": "Aysel", "family_name": "Mamedova", "birth_date": born})
    a = cast.open_case(person={"given_name": "Айсель", "family_name": "Мамедова", "birth_date": born,
                                              "documents": [{"type": "passport", "number": "C 7654321",
                                                             "country": ""}]},
                       summary="A's case: recruited through a job offer in Dubai.")
    merge_persons(actor=cast.officer, survivor=b.person, merged=a.person, reason="Same passport photo")
    merge_persons(actor=cast.officer, survivor=c.person, merged=b.person, reason="Same phone, she confirmed")
    return a, b, c


def test_erasing_the_kept_record_erases_a_record_merged_two_merges_deep(cast):
    a, b, c = _three_records(cast)
    supervisor = make_user("ngo.supervisor", cast.ngo, Role.SUPERVISOR)
    request = retention.record_request(actor=cast.worker, case=Case.objects.system().get(pk=c.pk), kind="erasure",
                                       requested_on=timezone.localdate(), details="She asks us to erase her data.")
    retention.decide_request(actor=supervisor, data_request=request, approve=True, reason="Her right to erasure.",
                             expected_version=request.version)
    for case in (a, b, c):
        record = Person.objects.system().get(pk=case.person_id)
        assert record.erased_at, record.pk
        assert record.family_name == "" and record.documents == [] and record.birth_date is None
        assert not PersonKey.objects.filter(kid=record.data_key_id).exists()
        # each record's own trail says it was erased
        assert AuditEvent.objects.filter(action="person.erase", object_id=str(record.uuid)).exists()
    assert Case.objects.system().get(pk=a.pk).summary == ""


def test_an_open_case_of_another_institution_on_a_record_two_merges_deep_refuses_the_erasure(cast):
    """A case of the second NGO left on record A (opened on it while the coordinator was merging it: the intake
    checked the record before the merge was written) is open: erasing C would blank it."""
    a, b, c = _three_records(cast)  # every case moved to C is the first NGO's
    theirs = cast.open_case(actor=cast.worker2, person={"given_name": "Leyla", "family_name": "Həsənova"},
                            summary="Second NGO: ongoing assistance.")
    Case.objects.system().filter(pk=theirs.pk).update(person=a.person_id)
    with pytest.raises(ValidationError) as refused:
        retention.record_request(actor=cast.worker, case=Case.objects.system().get(pk=c.pk), kind="erasure",
                                 requested_on=timezone.localdate(), details="She asks us to erase her data.")
    assert "Another institution still has an open case" in str(refused.value.message_dict["kind"])
    assert Case.objects.system().get(pk=theirs.pk).summary == "Second NGO: ongoing assistance."
    assert not Person.objects.system().filter(erased_at__isnull=False).exists()


def test_a_request_recorded_before_the_merge_erases_the_kept_record_where_her_cases_are(cast):
    """She asked to erase her data on her case of record B; the coordinator then merged B into C (the first NGO's
    other record of her) before the supervisor decided. Approving erased B only: C kept her name and phone and
    every case (B's too) kept its texts."""
    born = datetime.date(1998, 1, 9)
    c = cast.open_case(person={"given_name": "Aysel", "family_name": "Məmmədova", "birth_date": born, "phone": PHONE},
                       summary="C's case: she stays with her aunt.")
    b = cast.open_case(person={"given_name": "Aysel", "family_name": "Mamedova", "birth_date": born},
                       summary="B's case: recruited in Sumqayıt.")
    supervisor = make_user("ngo.supervisor", cast.ngo, Role.SUPERVISOR)
    request = retention.record_request(actor=cast.worker, case=b, kind="erasure",
                                       requested_on=timezone.localdate(), details="She asks us to erase her data.")
    merge_persons(actor=cast.officer, survivor=c.person, merged=b.person, reason="Same phone, she confirmed")
    retention.decide_request(actor=supervisor, data_request=request, approve=True, reason="Her right to erasure.",
                             expected_version=request.version)
    kept = Person.objects.system().get(pk=c.person_id)
    assert kept.erased_at and kept.phone == "" and kept.given_name == ""
    assert Person.objects.system().get(pk=b.person_id).erased_at
    assert Case.objects.system().get(pk=b.pk).summary == "" and Case.objects.system().get(pk=c.pk).summary == ""


def test_a_request_to_erase_recorded_while_merged_erases_its_own_woman_after_the_merge_is_undone(cast):
    """The first NGO had registered two records it thought one woman; the coordinator merged them. One woman asked,
    on her case, to erase her data; before the supervisor decided, the coordinator found they are two women and
    undid the merge. The request stayed on the other record: approving it erased the woman who never asked (her
    name, her case's texts) and left the one who asked. The request now goes back with the case it was recorded
    on."""
    from nicat.persons.services import undo_merge
    from nicat.retention.models import DataRequest

    born = datetime.date(1998, 1, 9)
    stays = cast.open_case(person={"given_name": "Aysel", "family_name": "Məmmədova", "birth_date": born},
                           summary="The woman who did not ask.")
    asks = cast.open_case(person={"given_name": "Aysel", "family_name": "Mamedova", "birth_date": born},
                          summary="The woman who asks to be erased.")
    record = merge_persons(actor=cast.officer, survivor=stays.person, merged=asks.person, reason="Same name, born")
    request = retention.record_request(actor=cast.worker, case=Case.objects.system().get(pk=asks.pk), kind="erasure",
                                       requested_on=timezone.localdate(), details="She asks us to erase her data.")
    undo_merge(actor=cast.officer, merge=record, reason="Two women: different mothers' names")
    request = DataRequest.objects.system().get(pk=request.pk)  # as the request's page reads it
    retention.decide_request(actor=make_user("ngo.supervisor", cast.ngo, Role.SUPERVISOR), data_request=request,
                             approve=True, reason="Her right to erasure.", expected_version=request.version)
    assert not Person.objects.system().get(pk=stays.person_id).erased_at
    assert Case.objects.system().get(pk=stays.pk).summary == "The woman who did not ask."
    assert Person.objects.system().get(pk=asks.person_id).erased_at
    assert Case.objects.system().get(pk=asks.pk).summary == ""


def test_a_correction_recorded_before_the_merge_corrects_the_kept_record_she_is_read_under(cast):
    """She asked, on her case of record B, to correct her phone; the coordinator then merged B into C (the same
    phone) before the supervisor decided. Approving it corrected B, a merged record nobody reads any more: her
    record C, which every page shows, kept the wrong number."""
    born = datetime.date(1998, 1, 9)
    c = cast.open_case(person={"given_name": "Aysel", "family_name": "Məmmədova", "birth_date": born, "phone": PHONE})
    b = cast.open_case(person={"given_name": "Aysel", "family_name": "Mamedova", "birth_date": born, "phone": PHONE})
    request = retention.record_request(actor=cast.worker, case=b, kind="correction", requested_on=timezone.localdate(),
                                       details="Her new number.", corrections={"phone": "+994 55 000 00 02"})
    merge_persons(actor=cast.officer, survivor=c.person, merged=b.person, reason="Same phone, she confirmed")
    retention.decide_request(actor=make_user("ngo.supervisor", cast.ngo, Role.SUPERVISOR), data_request=request,
                             approve=True, reason="She showed the new SIM card.", expected_version=request.version)
    assert Person.objects.system().get(pk=c.person_id).phone == "+994 55 000 00 02"


def test_erasing_again_after_a_restore_reaches_no_further_than_the_ledger_names(cast):
    """Before erasures followed the merges, a request recorded on a record later merged into another erased that
    record alone: the ledger names its key, not the kept record's. Erasing again after a restore erases what was
    erased, never the kept record that nobody decided to erase."""
    from django.core.management import call_command

    from nicat.privacy import personkeys

    c = cast.open_case(person={"given_name": "Aysel", "family_name": "Məmmədova", "phone": PHONE})
    b = cast.open_case(person={"given_name": "Aysel", "family_name": "Mamedova", "phone": PHONE})
    merge_persons(actor=cast.officer, survivor=c.person, merged=b.person, reason="Same phone, she confirmed")
    personkeys.append_to_ledger([Person.objects.system().get(pk=b.person_id).data_key_id])
    call_command("retention", "reapply", stdout=io.StringIO())
    assert Person.objects.system().get(pk=b.person_id).erased_at
    assert not Person.objects.system().get(pk=c.person_id).erased_at
