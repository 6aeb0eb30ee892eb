"""The subject-access report of a person (`/audit/person/<uuid>/`) follows need-to-know like the person's record:
a supervisor of an institution that received a referral sharing only the medical section reads no name in it, and
no supervisor reads the events of another institution's case of the same person (after the coordinator merged
two records of one woman, each institution's case hangs off the same person)."""
from django.urls import reverse

from nicat.accounts.models import Role
from nicat.cases.selectors import case_detail
from nicat.persons import services as persons
from nicat.persons.models import DuplicateSignal
from tests.support.referrals import accepted_referral, build_world
from tests.support.world import make_institution, make_user


def test_a_supervisor_reads_the_access_report_only_as_far_as_the_person_is_shared(client, cast):
    world = build_world(cast)
    case = world.open_case(person={"given_name": "Aysel", "family_name": "Məmmədova"})
    clinic = make_institution("clinic", "medical", name_az="Klinika", is_nonprofit=True)
    doctor = make_user("doctor", clinic, Role.MEDICAL_STAFF)
    clinic_supervisor = make_user("clinic.supervisor", clinic, Role.SUPERVISOR)
    accepted_referral(world.worker, case, clinic, doctor)
    # The second NGO registered the same woman; the coordinator merged the two records.
    theirs = world.open_case(actor=world.worker2, person={"given_name": "Aysel", "family_name": "Məmmədova"})
    case_detail(user=world.worker2, case_uuid=theirs.uuid)
    signal = DuplicateSignal.objects.system().get()
    persons.merge_persons(actor=world.officer, survivor=case.person, merged=theirs.person,
                          reason="The same passport, confirmed by phone", signal=signal,
                          expected_version=signal.version)
    url = reverse("audit:person_report", args=[case.person.uuid])

    # the clinic (medical only) may not read her name: 403 naming the identity section, nothing shown
    client.force_login(clinic_supervisor)
    response = client.get(url)
    assert response.status_code == 403
    body = response.content.decode()
    assert "Məmmədova" not in body and theirs.reference not in body

    # the owner's supervisor reads the report of his own case, not the second NGO's case and its workers
    owner_supervisor = make_user("ngo.supervisor", world.ngo, Role.SUPERVISOR)
    client.force_login(owner_supervisor)
    body = client.get(url).content.decode()
    assert case.reference in body and "person.create" in body
    assert theirs.reference not in body and "worker2" not in body

    # and the second NGO's supervisor reads its own case, not the first NGO's
    client.force_login(make_user("ngo2.supervisor", world.ngo2, Role.SUPERVISOR))
    body = client.get(url).content.decode()
    assert theirs.reference in body and "worker2" in body
    assert case.reference not in body


def test_the_case_page_offers_the_access_report_only_where_the_name_is_shared(client, cast):
    world = build_world(cast)
    case = world.open_case()
    clinic = make_institution("clinic", "medical", name_az="Klinika", is_nonprofit=True)
    doctor = make_user("doctor", clinic, Role.MEDICAL_STAFF)
    accepted_referral(world.worker, case, clinic, doctor)
    report = reverse("audit:person_report", args=[case.person.uuid])
    client.force_login(make_user("clinic.supervisor", clinic, Role.SUPERVISOR))
    page = client.get(reverse("cases:detail", args=[case.uuid]))
    assert page.status_code == 200 and 'data-testid="audit-panel"' in page.content.decode()
    assert report not in page.content.decode()
    client.force_login(make_user("ngo.supervisor", world.ngo, Role.SUPERVISOR))
    assert report in client.get(reverse("cases:detail", args=[case.uuid])).content.decode()


def test_the_access_report_names_the_reads_of_the_records_merged_into_the_person(client, api, cast):
    """A colleague of the first NGO read the woman's record A through the API; the coordinator then merged A into
    B and B into C, three records of the first NGO. Her access report (C's) left out every read and change of A —
    the record her data was read under — as if nobody had read it. Another institution's record of her stays
    out, as its case does."""
    import datetime

    born = datetime.date(1997, 2, 3)
    c = cast.open_case(person={"given_name": "Aysel", "family_name": "Məmmədova", "birth_date": born})
    b = cast.open_case(person={"given_name": "Aysel", "family_name": "Mamedova", "birth_date": born})
    a = cast.open_case(person={"given_name": "Aysel", "family_name": "Məmmədli", "birth_date": born})
    clerk = make_user("ngo.clerk", cast.ngo)
    assert api(clerk).get(f"/api/v1/persons/{a.person.uuid}/").status_code == 200
    theirs = cast.open_case(actor=cast.worker2, person={"given_name": "Aysel", "family_name": "Məmmədova",
                                                        "birth_date": born})
    persons.merge_persons(actor=cast.officer, survivor=b.person, merged=a.person, reason="Same passport photo")
    persons.merge_persons(actor=cast.officer, survivor=c.person, merged=b.person, reason="Same phone")
    persons.merge_persons(actor=cast.officer, survivor=c.person, merged=theirs.person, reason="Same phone")
    client.force_login(make_user("ngo.supervisor", cast.ngo, Role.SUPERVISOR))
    body = client.get(reverse("audit:person_report", args=[c.person.uuid])).content.decode()
    assert "ngo.clerk" in body
    assert "worker2" not in body and theirs.reference not in body
