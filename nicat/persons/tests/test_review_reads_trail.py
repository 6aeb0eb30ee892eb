"""The coordinator's review pages show both records of a pair (names, birth dates, documents, phones, the cases) and,
on the list of merges, the names of both records: each read names the persons and cases it showed, so that the
person's access report and the case's "who accessed this record" name the coordinator."""
import datetime

from django.urls import reverse

from nicat.audit.selectors import case_accessors, person_trail
from nicat.persons import services
from nicat.persons.models import DuplicateSignal


def test_the_coordinators_review_pages_are_in_the_persons_access_trail(login, cast):
    person = {"given_name": "Aysel", "family_name": "Məmmədova", "birth_date": datetime.date(1995, 3, 4),
              "phone": "+994 50 765 43 21"}
    ours = cast.open_case(person=person)
    theirs = cast.open_case(actor=cast.worker2, person=person)
    signal = DuplicateSignal.objects.system().get()
    client = login(cast.officer)
    page = client.get(reverse("persons:duplicate", args=[signal.uuid]))
    assert page.status_code == 200 and "Məmmədova" in page.content.decode()
    for case in (ours, theirs):
        read = [e for e in person_trail(person=case.person) if e.action == "duplicate.view"]
        assert [e.actor_username for e in read] == ["officer"], case
        assert "officer" in {row["actor_username"] for row in case_accessors(case=case)}

    record = services.merge_persons(actor=cast.officer, survivor=ours.person, merged=theirs.person,
                                    reason="Same phone, confirmed", signal=signal, expected_version=signal.version)
    merges = client.get(reverse("persons:merges"))
    assert str(record.uuid) in merges.content.decode() and "Məmmədova" in merges.content.decode()
    listed = [e for e in person_trail(person=ours.person) if e.action == "person.merge.list"]
    assert [e.actor_username for e in listed] == ["officer"]
    assert any(e.action == "person.merge.list" for e in person_trail(person=theirs.person))


def test_the_pair_page_shows_and_records_the_records_merged_in_however_many_merges_deep(login, cast):
    """Record A was merged into B, then B into C; a new record D resembles C. The pair page lists, beside C, the
    other records of C's person ("Also recorded as") — it named B only, though A is the same woman by the
    coordinator's decision too — and its read names all of them, so A's own trail names the coordinator."""
    born, phone = datetime.date(1996, 7, 1), "+994 50 765 43 41"
    c = cast.open_case(person={"given_name": "Aysel", "family_name": "Məmmədova", "birth_date": born, "phone": phone})
    b = cast.open_case(person={"given_name": "Aysel", "family_name": "Mamedova", "birth_date": born})
    a = cast.open_case(person={"given_name": "Aysel", "family_name": "Məmmədli", "birth_date": born})
    services.merge_persons(actor=cast.officer, survivor=b.person, merged=a.person, reason="Same passport photo")
    services.merge_persons(actor=cast.officer, survivor=c.person, merged=b.person, reason="Same phone, confirmed")
    cast.open_case(actor=cast.worker2, person={"given_name": "Aysel", "family_name": "Məmmədova", "birth_date": born,
                                               "phone": phone})
    signal = DuplicateSignal.objects.system().get(status="open")
    page = login(cast.officer).get(reverse("persons:duplicate", args=[signal.uuid])).content.decode()
    assert "Mamedova Aysel" in page and "Məmmədli Aysel" in page
    read = [e for e in person_trail(person=a.person) if e.action == "duplicate.view"]
    assert [e.actor_username for e in read] == ["officer"]


def test_the_pair_page_shown_again_with_the_merge_forms_errors_is_a_recorded_read(login, cast):
    """A merge posted without a reason shows the pair page again (400) with both persons' names, birth dates,
    documents and phones: a read of identifying data that was in no trail."""
    person = {"given_name": "Aysel", "family_name": "Məmmədova", "birth_date": datetime.date(1995, 3, 4),
              "phone": "+994 50 765 43 42"}
    ours = cast.open_case(person=person)
    theirs = cast.open_case(actor=cast.worker2, person=person)
    signal = DuplicateSignal.objects.system().get()
    response = login(cast.officer).post(reverse("persons:duplicate_merge", args=[signal.uuid]),
                                        {"keep": "a", "reason": "", "version": signal.version})
    assert response.status_code == 400 and "Məmmədova" in response.content.decode()
    for case in (ours, theirs):
        read = [e for e in person_trail(person=case.person) if e.action == "duplicate.view"]
        assert [e.actor_username for e in read] == ["officer"], case
