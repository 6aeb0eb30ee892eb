"""The coordinator merges two records of one person; everything is kept and the merge can be undone."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.cases.models import Case
from nicat.core.errors import NotAllowed
from nicat.persons import services
from nicat.persons.models import DuplicateSignal, MergeRecord, Person, SignalStatus
from nicat.persons.selectors import match_candidates


@pytest.fixture
def pair(cast, aysel):
    other = cast.open_case(actor=cast.worker2, person={"given_name": "Айсель", "family_name": "Мамедова",
                                                       "birth_date": aysel.person.birth_date})
    return aysel, other, DuplicateSignal.objects.system().get()


def test_merge_moves_cases_keeps_both_records_and_undo_moves_them_back(cast, pair):
    kept_case, moved_case, signal = pair
    survivor, merged = kept_case.person, moved_case.person
    record = services.merge_persons(actor=cast.officer, survivor=survivor, merged=merged,
                                    reason="Same passport photo", signal=signal, expected_version=signal.version)
    moved_case = Case.objects.system().get(pk=moved_case.pk)
    assert moved_case.person == survivor
    merged = Person.objects.system().get(pk=merged.pk)
    assert merged.merged_into == survivor and merged.family_name == "Мамедова"  # kept, not deleted
    assert record.moved == {"cases.case": {"person": [moved_case.pk]}}
    assert DuplicateSignal.objects.system().get(pk=signal.pk).status == SignalStatus.MERGED
    actions = {e.action for e in AuditEvent.objects.filter(action__in=["person.merge", "person.merged_into",
                                                                      "case.person_merged"])
               if e.details.get("merge") == str(record.uuid)}
    assert {"person.merge", "person.merged_into", "case.person_merged"} <= actions
    # the merged record is no longer a candidate on its own: it counts for the survivor
    found = match_candidates({"given_name": "Aysel", "family_name": "Mamedova", "birth_date": survivor.birth_date})
    assert [p for p, _ in found] == [survivor]

    services.undo_merge(actor=cast.officer, merge=record, reason="Different mothers' names")
    assert Case.objects.system().get(pk=moved_case.pk).person_id == merged.pk
    merged.refresh_from_db()
    assert merged.merged_into is None
    record.refresh_from_db()
    assert record.is_undone and record.undo_reason == "Different mothers' names"
    assert DuplicateSignal.objects.system().get(pk=signal.pk).status == SignalStatus.OPEN
    assert AuditEvent.objects.filter(action="person.merge_undo").count() == 2
    assert AuditEvent.objects.filter(action="case.person_merge_undone", case_uuid=str(moved_case.uuid)).exists()
    with pytest.raises(ValidationError):
        services.undo_merge(actor=cast.officer, merge=record, reason="again")


def test_only_the_coordinator_merges(cast, pair):
    kept_case, moved_case, signal = pair
    for user in (cast.worker, cast.worker2, cast.analyst):
        with pytest.raises(NotAllowed):
            services.merge_persons(actor=user, survivor=kept_case.person, merged=moved_case.person, reason="x")
    assert MergeRecord.objects.system().count() == 0


def test_merge_refuses_bad_requests_and_changes_nothing(cast, pair):
    kept_case, moved_case, signal = pair
    with pytest.raises(ValidationError) as err:
        services.merge_persons(actor=cast.officer, survivor=kept_case.person, merged=moved_case.person, reason=" ")
    assert "reason" in err.value.error_dict
    with pytest.raises(ValidationError):
        services.merge_persons(actor=cast.officer, survivor=kept_case.person, merged=kept_case.person, reason="x")
    services.merge_persons(actor=cast.officer, survivor=kept_case.person, merged=moved_case.person, reason="x")
    with pytest.raises(ValidationError):
        services.merge_persons(actor=cast.officer, survivor=moved_case.person, merged=kept_case.person, reason="x")
    assert MergeRecord.objects.system().count() == 1


def test_merge_and_undo_in_the_browser_pages(login, cast, pair):
    kept_case, moved_case, signal = pair
    client = login(cast.officer)
    url = reverse("persons:duplicate_merge", args=[signal.uuid])
    response = client.post(url, {"keep": "a"})
    assert response.status_code == 400 and "reason" in response.context["merge_form"].errors
    assert MergeRecord.objects.system().count() == 0
    response = client.post(url, {"keep": "a", "reason": "Same person, confirmed by phone", "version": signal.version})
    assert response.status_code == 302 and response.url == reverse("persons:merges")
    record = MergeRecord.objects.system().get()
    assert record.survivor == signal.person_a
    page = client.get(reverse("persons:merges")).content.decode()
    assert reverse("persons:merge_undo", args=[record.uuid]) in page
    response = client.post(reverse("persons:merge_undo", args=[record.uuid]), {"reason": ""})
    assert response.status_code == 400
    response = client.post(reverse("persons:merge_undo", args=[record.uuid]), {"reason": "Mistake"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.is_undone
    assert login(cast.worker).post(reverse("persons:merge_undo", args=[record.uuid]),
                                   {"reason": "x"}).status_code == 403


def test_dismiss(login, cast, pair):
    _, _, signal = pair
    client = login(cast.officer)
    response = client.post(reverse("persons:duplicate_dismiss", args=[signal.uuid]), {"version": signal.version})
    assert response.status_code == 302
    assert DuplicateSignal.objects.system().get(pk=signal.pk).status == SignalStatus.DISMISSED
    # a stale second decision is refused, not applied twice
    response = client.post(reverse("persons:duplicate_dismiss", args=[signal.uuid]), {"version": signal.version},
                           follow=True)
    assert "in the meantime" in response.content.decode()


def test_a_merge_from_a_stale_review_page_does_not_override_another_coordinators_decision(login, cast, pair):
    """Two coordinators open the same pair; one records "not the same person"; the other, on the page opened before,
    merges: the merge is refused (the page's version is stale), nothing moves, the dismissal stands."""
    from tests.support.world import make_user

    kept_case, moved_case, signal = pair
    colleague = make_user("officer2", cast.main_department, Role.IDENTIFICATION_OFFICER)
    client = login(cast.officer)
    page = client.get(reverse("persons:duplicate", args=[signal.uuid]))
    assert page.status_code == 200
    read_version = signal.version
    services.dismiss_signal(actor=colleague, signal=signal, expected_version=read_version)

    url = reverse("persons:duplicate_merge", args=[signal.uuid])
    response = client.post(url, {"keep": "a", "reason": "Same person, confirmed by phone", "version": read_version})
    assert response.status_code == 400
    assert "Someone else decided on this pair" in response.content.decode()
    # a page without the version read changes nothing either
    assert client.post(url, {"keep": "a", "reason": "Same person, confirmed by phone"}).status_code == 400
    assert MergeRecord.objects.system().count() == 0
    assert Case.objects.system().get(pk=moved_case.pk).person_id == moved_case.person_id
    assert DuplicateSignal.objects.system().get(pk=signal.pk).status == SignalStatus.DISMISSED
    # and the service refuses it whatever the edge
    fresh = DuplicateSignal.objects.system().get(pk=signal.pk)
    with pytest.raises(ValidationError):
        services.merge_persons(actor=cast.officer, survivor=kept_case.person, merged=moved_case.person,
                               reason="Same person", signal=fresh, expected_version=fresh.version)
    assert MergeRecord.objects.system().count() == 0


def test_undoing_a_merge_takes_back_the_person_from_the_institution_that_had_her_only_through_it(api, cast):
    """The second NGO's record was merged into the first NGO's; while merged, the second NGO opened another case on
    the kept record (it owned one of her cases); the coordinator then found they are different women and undid the
    merge. The second NGO's later case goes back with the rest: it no longer reads the first NGO's person."""
    import datetime

    from django.utils import timezone

    phone = "+994 50 765 43 21"
    ours = cast.open_case(person={"birth_date": datetime.date(1999, 4, 2), "phone": phone, "address": "Gəncə"})
    theirs = cast.open_case(actor=cast.worker2, person={"birth_date": datetime.date(1999, 4, 2), "phone": phone})
    signal = DuplicateSignal.objects.system().get()
    record = services.merge_persons(actor=cast.officer, survivor=ours.person, merged=theirs.person,
                                    reason="Same phone", signal=signal, expected_version=signal.version)
    client = api(cast.worker2)
    response = client.post("/api/v1/cases/", {
        "person_uuid": str(ours.person.uuid), "came_to_notice": "self_referral", "scope": "internal",
        "first_contact_at": (timezone.now() - datetime.timedelta(minutes=5)).isoformat()}, format="json")
    assert response.status_code == 201, response.content
    later = Case.objects.system().get(uuid=response.json()["uuid"])
    assert client.get(f"/api/v1/persons/{ours.person.uuid}/").json()["phone"] == phone

    services.undo_merge(actor=cast.officer, merge=record, reason="Different mothers' names: two women")
    assert client.get(f"/api/v1/persons/{ours.person.uuid}/").status_code == 404
    assert Case.objects.system().get(pk=later.pk).person_id == theirs.person_id
    assert Case.objects.system().get(pk=ours.pk).person_id == ours.person_id
    assert AuditEvent.objects.filter(action="case.person_merge_undone", case_uuid=str(later.uuid)).exists()


def test_no_new_case_is_opened_on_a_record_merged_into_another(api, cast):
    """After the coordinator merged the second NGO's record of a woman into the first NGO's, the second NGO opened
    a new case on its old, merged record (`POST /api/v1/cases/ {"person_uuid": <merged>}`: 201, seventh review):
    her cases were split again between two records, one of them marked as merged. Refused now, naming the way."""
    import datetime

    from django.utils import timezone

    phone = "+994 50 765 43 22"
    ours = cast.open_case(person={"birth_date": datetime.date(1998, 4, 2), "phone": phone})
    theirs = cast.open_case(actor=cast.worker2, person={"birth_date": datetime.date(1998, 4, 2), "phone": phone})
    signal = DuplicateSignal.objects.system().get()
    services.merge_persons(actor=cast.officer, survivor=ours.person, merged=theirs.person,
                           reason="Same phone", signal=signal, expected_version=signal.version)
    before = Case.objects.system().count()
    response = api(cast.worker2).post("/api/v1/cases/", {
        "person_uuid": str(theirs.person.uuid), "came_to_notice": "self_referral", "scope": "internal",
        "first_contact_at": (timezone.now() - datetime.timedelta(minutes=5)).isoformat()}, format="json")
    assert response.status_code == 400, response.content
    assert "merged into another record" in str(response.json())
    assert Case.objects.system().count() == before


def test_a_merge_whose_kept_record_was_merged_on_is_undone_only_after_the_later_merge(cast):
    """A merged into B, then B into C. Undoing the first merge separated A and left A's case on C, another record
    (the later merge had moved it on): her case stayed with a woman she is not. Refused now, naming the way; undone
    in order, A's case comes back to A."""
    born = datetime.date(1996, 7, 1)
    c = cast.open_case(person={"given_name": "Aysel", "family_name": "Məmmədova", "birth_date": born})
    b = cast.open_case(person={"given_name": "Aysel", "family_name": "Mamedova", "birth_date": born})
    a = cast.open_case(person={"given_name": "Aysel", "family_name": "Məmmədli", "birth_date": born})
    first = services.merge_persons(actor=cast.officer, survivor=b.person, merged=a.person, reason="Same photo")
    later = services.merge_persons(actor=cast.officer, survivor=c.person, merged=b.person, reason="Same phone")
    with pytest.raises(ValidationError) as refused:
        services.undo_merge(actor=cast.officer, merge=first, reason="Different mothers' names")
    assert "Undo that later merge first" in " ".join(refused.value.messages)
    assert not MergeRecord.objects.system().get(pk=first.pk).is_undone
    assert Person.objects.system().get(pk=a.person_id).merged_into_id == b.person_id
    assert Case.objects.system().get(pk=a.pk).person_id == c.person_id

    services.undo_merge(actor=cast.officer, merge=later, reason="Different phone owners")
    services.undo_merge(actor=cast.officer, merge=MergeRecord.objects.system().get(pk=first.pk),
                        reason="Different mothers' names")
    assert [Case.objects.system().get(pk=x.pk).person_id for x in (a, b, c)] == [
        a.person_id, b.person_id, c.person_id]


def test_a_correction_recorded_while_merged_goes_back_with_its_case_when_the_merge_is_undone(cast):
    """While the second NGO's record was merged into the first NGO's, the second NGO recorded its woman's request to
    correct her phone on its case. The coordinator undid the merge (two women); the request stayed on the first
    NGO's woman: the second NGO's supervisor approving it was refused as if it did not exist (it named a woman the
    second NGO no longer sees) — and had it gone through, it would have changed the phone of a woman who never
    asked. It now goes back with its case."""
    from nicat.accounts.models import Role
    from nicat.retention import services as retention
    from nicat.retention.models import DataRequest
    from tests.support.world import make_user

    phone = "+994 50 765 43 61"
    ours = cast.open_case(person={"birth_date": datetime.date(1999, 4, 2), "phone": phone})
    theirs = cast.open_case(actor=cast.worker2, person={"birth_date": datetime.date(1999, 4, 2), "phone": phone})
    signal = DuplicateSignal.objects.system().get()
    record = services.merge_persons(actor=cast.officer, survivor=ours.person, merged=theirs.person,
                                    reason="Same phone", signal=signal, expected_version=signal.version)
    request = retention.record_request(actor=cast.worker2, case=Case.objects.system().get(pk=theirs.pk),
                                       kind="correction", requested_on=datetime.date.today(),
                                       details="Her new number.", corrections={"phone": "+994 55 000 00 01"})
    services.undo_merge(actor=cast.officer, merge=record, reason="Different mothers' names: two women")
    request = DataRequest.objects.system().get(pk=request.pk)  # as the request's page reads it
    retention.decide_request(actor=make_user("ngo2.supervisor", cast.ngo2, Role.SUPERVISOR),
                             data_request=request, approve=True, reason="She showed the new SIM card.",
                             expected_version=request.version)
    assert Person.objects.system().get(pk=ours.person_id).phone == phone
    assert Person.objects.system().get(pk=theirs.person_id).phone == "+994 55 000 00 01"


def test_a_case_opened_on_a_record_the_coordinator_merged_meanwhile_is_refused(cast):
    """The second NGO's worker opened the person's record and, while the form was open, the coordinator merged it into
    the first NGO's record. The intake checked the record as it had been read (not merged) and opened the case on the
    merged record: her cases were split again, one of them on a record no search shows."""
    from nicat.cases.services import open_case

    phone = "+994 50 765 43 71"
    ours = cast.open_case(person={"birth_date": datetime.date(1998, 4, 2), "phone": phone})
    theirs = cast.open_case(actor=cast.worker2, person={"birth_date": datetime.date(1998, 4, 2), "phone": phone})
    as_read = Person.objects.system().get(pk=theirs.person_id)
    services.merge_persons(actor=cast.officer, survivor=ours.person, merged=theirs.person, reason="Same phone")
    before = Case.objects.system().count()
    with pytest.raises(ValidationError) as refused:
        open_case(actor=cast.worker2, person=as_read, case_data={"came_to_notice": "self_referral",
                                                                  "scope": "internal"})
    assert "merged into another record" in " ".join(refused.value.messages)
    assert Case.objects.system().count() == before
