"""A payment recorded by mistake (on the wrong case, twice, with a wrong amount or month) stayed forever: it blocked the
legitimate payment ("already paid"), counted in the annual report, and an undo of a merge that would leave the same
allowance twice on one record sent the coordinator outside the system. Now the supervisor of the institution that
recorded it reverses it, with the reason: the row stays (status "reversed", who, when, the reason sealed), the case's
trail says so, and it no longer counts — the correct payment can be recorded. Attacked as another institution, through
a stale page, twice, without a reason, by break-glass and across merged records."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from nicat.accounts.models import Role
from nicat.assistance import services
from nicat.assistance.models import AllowancePayment
from nicat.audit.models import AuditEvent
from nicat.core.errors import ConcurrentEdit, NotAllowed
from nicat.persons import services as persons
from nicat.persons.models import DuplicateSignal, MergeRecord
from tests.support.world import make_user, verified_login

pytestmark = pytest.mark.django_db
PAID_ON = datetime.date(2024, 3, 1)
REASON = "Recorded twice: the payment order 17/3 was entered on the wrong day"


def _pay(world, case, actor=None, on=PAID_ON):
    return services.pay_allowance(actor=actor or world.cast.worker, case=case, kind="one_time", paid_on=on,
                                  source="state_budget")


def _supervisor(institution, name="ngo.supervisor"):
    return make_user(name, institution, Role.SUPERVISOR)


def _page(user):
    client = verified_login(Client(), user)
    client.cookies["nicat_language"] = "en"
    return client


def _fresh(payment):
    return AllowancePayment.objects.system().get(pk=payment.pk)


def test_a_supervisor_reverses_a_wrong_payment_on_the_page_and_the_correct_one_can_then_be_recorded(world):
    case = world.recognise(world.adult())
    wrong = _pay(world, case)
    supervisor = _supervisor(world.cast.ngo)
    page = _page(supervisor).get(reverse("assistance:case", args=[case.uuid])).content.decode()
    assert 'data-testid="allowance-reverse"' in page
    # the case worker who recorded it is not offered the reversal (a supervisor's act)
    worker_page = _page(world.cast.worker).get(reverse("assistance:case", args=[case.uuid])).content.decode()
    assert 'data-testid="allowance-reverse"' not in worker_page
    form = _page(supervisor).get(reverse("assistance:allowance_reverse", args=[wrong.uuid]))
    assert form.status_code == 200 and "reverse this payment, then record the correct one" in form.content.decode()

    response = _page(supervisor).post(reverse("assistance:allowance_reverse", args=[wrong.uuid]),
                                      {"reason": REASON, "version": wrong.version})
    assert response.status_code == 302, response.content.decode()[:2000]
    row = _fresh(wrong)
    assert row.status == "reversed" and row.reversed_by == supervisor and row.reversed_at is not None
    assert row.reversal_reason == REASON
    with connection.cursor() as cursor:  # sealed at rest: the reason may name the person
        cursor.execute("SELECT reversal_reason FROM assistance_allowancepayment WHERE id = %s", [row.pk])
        assert "wrong day" not in cursor.fetchone()[0]
    event = AuditEvent.objects.get(action="allowance.reverse")
    assert event.case_uuid == str(case.uuid) and event.object_id == str(wrong.uuid)
    assert "wrong day" not in str(event.changes)
    page = _page(world.cast.worker).get(reverse("assistance:case", args=[case.uuid])).content.decode()
    assert 'data-testid="payment-reversed"' in page and "not counted as paid" in page
    # the once-per-person rule is free again: the correct payment is recorded
    right = _pay(world, world.fresh(case), on=datetime.date(2024, 3, 2))
    assert right.status == "paid"
    assert AllowancePayment.objects.system().filter(person=case.person).count() == 2


def test_the_api_reverses_with_version_and_reason_once_and_refuses_a_stale_version(world, api):
    case = world.recognise(world.adult())
    payment = _pay(world, case)
    supervisor = _supervisor(world.cast.ngo)
    url = f"/api/v1/allowance-payments/{payment.uuid}/reverse/"
    missing = api(supervisor).post(url, {"version": payment.version}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()
    blank = api(supervisor).post(url, {"version": payment.version, "reason": "  "}, format="json")
    assert blank.status_code == 400
    stale = api(supervisor).post(url, {"version": payment.version + 5, "reason": REASON}, format="json")
    assert stale.status_code == 409
    assert _fresh(payment).status == "paid"
    done = api(supervisor).post(url, {"version": payment.version, "reason": REASON}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "reversed" and done.json()["version"] == payment.version + 1
    again = api(supervisor).post(url, {"version": payment.version + 1, "reason": REASON}, format="json")
    assert again.status_code == 403 and "already been reversed" in again.content.decode()
    assert AuditEvent.objects.filter(action="allowance.reverse").count() == 1


def test_a_case_worker_and_another_institution_reverse_nothing(world, api):
    case = world.recognise(world.adult())
    payment = _pay(world, case)
    url = f"/api/v1/allowance-payments/{payment.uuid}/reverse/"
    body = {"version": payment.version, "reason": REASON}
    # the case worker who recorded it: a supervisor's act
    refused = api(world.cast.worker).post(url, body, format="json")
    assert refused.status_code == 403 and "supervisor" in refused.content.decode()
    # another institution's supervisor does not see the case: 404, through the page too
    other = _supervisor(world.cast.ngo2, "ngo2.supervisor")
    assert api(other).post(url, body, format="json").status_code == 404
    assert _page(other).post(reverse("assistance:allowance_reverse", args=[payment.uuid]),
                             {"reason": REASON, "version": payment.version}).status_code == 404
    with pytest.raises((PermissionDenied, NotAllowed)):
        services.reverse_allowance(actor=other, payment=payment, reason=REASON, expected_version=payment.version)
    assert _fresh(payment).status == "paid" and _fresh(payment).version == payment.version


def test_a_reversal_through_a_stale_page_after_the_correction_is_refused(world):
    """Two supervisors opened the reversal form of the same payment. The first reversed it and the correct payment
    was recorded; the second then submitted its page: refused — it does not reverse anything else, and the new
    payment stays paid."""
    case = world.recognise(world.adult())
    payment = _pay(world, case)
    first, second = _supervisor(world.cast.ngo), _supervisor(world.cast.ngo, "ngo.supervisor2")
    url = reverse("assistance:allowance_reverse", args=[payment.uuid])
    stale = _page(second)
    assert stale.get(url).status_code == 200
    assert _page(first).post(url, {"reason": REASON, "version": payment.version}).status_code == 302
    right = _pay(world, world.fresh(case), on=datetime.date(2024, 3, 2))
    response = stale.post(url, {"reason": "Wrong amount entered", "version": payment.version})
    assert response.status_code in (400, 403, 409)
    assert "already been reversed" in response.content.decode()
    assert _fresh(right).status == "paid"
    assert AuditEvent.objects.filter(action="allowance.reverse").count() == 1
    with pytest.raises((ValidationError, ConcurrentEdit, PermissionDenied)):
        services.reverse_allowance(actor=second, payment=payment, reason="Wrong amount",
                                   expected_version=payment.version)


def test_a_shelter_supervisor_who_sees_the_case_only_by_break_glass_does_not_reverse_its_payment(world, api):
    """A state shelter recorded the allowance while the person stayed there; it no longer works on the case. Its
    supervisor opening the case by break-glass sees the payment, and reverses nothing."""
    from nicat.access.services import open_break_glass

    case = world.recognise(world.adult())
    payment = AllowancePayment.objects.create(
        case=case, person_id=case.person_id, kind="one_time", period="", amount="700.00", paid_on=PAID_ON,
        source="state_budget", rule_year=2024, institution=world.shelter_institution)
    supervisor = _supervisor(world.shelter_institution, "shelter.supervisor")
    open_break_glass(actor=supervisor, case_reference=case.reference,
                     reason="The person arrived at our door at night and says she is in danger.")
    response = api(supervisor).post(f"/api/v1/allowance-payments/{payment.uuid}/reverse/",
                                    {"version": payment.version, "reason": REASON}, format="json")
    assert response.status_code == 403, response.content
    assert _fresh(payment).status == "paid"


def test_a_payment_of_a_shelter_that_no_longer_works_on_the_case_is_reversed_by_the_owners_supervisor(world, api):
    """The state shelter recorded the allowance with a wrong month while the person stayed there. Once she left and
    the referral was completed, nobody at the shelter can see the case any more, and the case's owner was refused
    ("only the shelter reverses it"): the wrong payment stayed, blocking the right one, until the shelter was
    referred the case again. Now the owner's supervisor reverses it; while the shelter still works on the case it
    stays the shelter's to reverse, and the owner is told so."""
    from nicat.assistance.models import Group, PaymentStatus
    from nicat.referrals.services import complete_referral

    case = world.recognise(world.adult())
    referral = world.refer_to_shelter(case)
    stay = services.admit(actor=world.manager, facility=world.shelter, case=case, group=Group.WOMEN)
    shelter_supervisor = _supervisor(world.shelter_institution, "shelter.supervisor")
    payment = _pay(world, case, actor=shelter_supervisor)
    assert payment.institution == world.shelter_institution
    owner_supervisor = _supervisor(world.cast.ngo)
    url = f"/api/v1/allowance-payments/{payment.uuid}/reverse/"
    body = {"version": payment.version, "reason": REASON}

    refused = api(owner_supervisor).post(url, body, format="json")
    assert refused.status_code == 403, refused.content
    assert world.shelter_institution.name in refused.json()["detail"]
    assert 'data-testid="allowance-reverse"' not in _page(owner_supervisor).get(
        reverse("assistance:case", args=[case.uuid])).content.decode()

    stay = services.discharge(actor=world.manager, stay=stay, end_kind="completed", expected_version=stay.version)
    complete_referral(actor=world.manager, referral=referral, expected_version=referral.version)
    assert api(shelter_supervisor).post(url, body, format="json").status_code == 404  # it no longer sees the case
    worker = api(world.cast.worker).post(url, body, format="json")
    assert worker.status_code == 403 and world.cast.ngo.name in worker.json()["detail"]
    assert _fresh(payment).status == PaymentStatus.PAID

    page = _page(owner_supervisor).get(reverse("assistance:case", args=[case.uuid])).content.decode()
    assert 'data-testid="allowance-reverse"' in page
    response = api(owner_supervisor).post(url, body, format="json")
    assert response.status_code == 200, response.content
    assert _fresh(payment).status == PaymentStatus.REVERSED
    event = AuditEvent.objects.get(action="allowance.reverse")
    assert event.actor_id == owner_supervisor.pk and event.institution_id == world.cast.ngo.pk
    _pay(world, world.fresh(case), on=datetime.date(2024, 4, 1))  # the right payment goes through


def _merged(world, phone):
    ours = world.recognise(world.adult(given_name="Aysel", family_name="Məmmədova", phone=phone))
    theirs = world.recognise(world.adult(actor=world.cast.worker2, given_name="Aysel", family_name="Məmmədova",
                                         phone=phone))
    return ours, theirs


def test_a_payment_on_a_merged_persons_other_record_is_reversed_only_by_its_institution(world, api):
    """The second NGO paid on its record; the coordinator merged it into the first NGO's record. The first NGO's
    supervisor cannot reverse the second NGO's payment (its case is not visible: 404); the second NGO's supervisor
    reverses it, and the first NGO can then record the allowance on the kept record."""
    ours, theirs = _merged(world, "+994 50 765 43 71")
    paid = _pay(world, theirs, actor=world.cast.worker2)
    signal = DuplicateSignal.objects.system().get()
    persons.merge_persons(actor=world.cast.officer, survivor=ours.person, merged=theirs.person,
                          reason="Same woman, both NGOs confirmed by phone", signal=signal,
                          expected_version=signal.version)
    body = {"version": paid.version, "reason": REASON}
    url = f"/api/v1/allowance-payments/{paid.uuid}/reverse/"
    assert api(_supervisor(world.cast.ngo)).post(url, body, format="json").status_code == 404
    assert _fresh(paid).status == "paid"
    with pytest.raises(ValidationError):
        _pay(world, world.fresh(ours), on=datetime.date(2024, 4, 1))
    assert api(_supervisor(world.cast.ngo2, "ngo2.supervisor")).post(url, body, format="json").status_code == 200
    _pay(world, world.fresh(ours), on=datetime.date(2024, 4, 1))


def test_the_merge_undo_refusal_points_at_the_reversal_and_a_reversal_lets_the_undo_through(world):
    """The same allowance twice on the separated record: the refusal used to send the coordinator to resolve it
    "with the institutions" outside the system. It now says to reverse the wrong one in Nicat; once reversed, the
    undo goes through, the reversed payment going back with its case."""
    ours, theirs = _merged(world, "+994 50 765 43 72")
    first = _pay(world, theirs, actor=world.cast.worker2)
    signal = DuplicateSignal.objects.system().get()
    persons.merge_persons(actor=world.cast.officer, survivor=ours.person, merged=theirs.person,
                          reason="Same phone", signal=signal, expected_version=signal.version)
    second = AllowancePayment.objects.create(case=theirs, person_id=ours.person_id, kind="one_time", period="",
                                             amount=first.amount, paid_on=datetime.date(2024, 4, 1),
                                             source="state_budget", rule_year=first.rule_year,
                                             institution=world.cast.ngo2)
    record = MergeRecord.objects.system().get()
    with pytest.raises(ValidationError) as refused:
        persons.undo_merge(actor=world.cast.officer, merge=record, reason="Two women")
    message = " ".join(refused.value.messages)
    assert "reverses it in Nicat" in message and "with the institutions that recorded them" not in message
    services.reverse_allowance(actor=_supervisor(world.cast.ngo2, "ngo2.supervisor"), payment=second,
                               reason="Paid twice while the records were merged", expected_version=second.version)
    persons.undo_merge(actor=world.cast.officer, merge=MergeRecord.objects.system().get(), reason="Two women")
    assert _fresh(second).person_id == theirs.person_id and _fresh(second).status == "reversed"


def test_a_reversed_payment_is_left_out_of_the_annual_report(world):
    from nicat.statistics.report import build_report

    case = world.recognise(world.adult())
    payment = _pay(world, case)
    services.reverse_allowance(actor=_supervisor(world.cast.ngo), payment=payment, reason=REASON,
                               expected_version=payment.version)
    report = build_report(year=2024, language="en", edition="internal", k=1)
    table = next(t for t in report["tables"] if t.title.startswith("State allowances paid"))
    assert table.rows == [], table.rows


def test_a_reversed_monthly_payment_does_not_use_up_a_month_of_the_allowance(world):
    """The monthly allowance is paid for so many months at most: a month recorded for the wrong period and
    reversed is not one of them — the correct month is recorded, and the limit still holds."""
    from nicat.legal import services as legal

    case = world.recognise(world.adult())
    for code, value in (("allowance.monthly", "150.50"), ("allowance.monthly_max_months", "2")):
        legal.set_parameter(actor=world.cast.admin, data={"code": code, "value": value,
                                                          "valid_from": datetime.date(2024, 1, 1),
                                                          "legal_act": "Decision on the monthly allowance (test)"})

    def month(period, day):
        return services.pay_allowance(actor=world.cast.worker, case=world.fresh(case), kind="monthly",
                                      period=period, paid_on=day, source="state_budget")

    month("2024-03", datetime.date(2024, 3, 1))
    wrong = month("2024-05", datetime.date(2024, 4, 1))  # meant April
    services.reverse_allowance(actor=_supervisor(world.cast.ngo), payment=wrong, reason="Wrong month: April",
                               expected_version=wrong.version)
    month("2024-04", datetime.date(2024, 4, 1))
    with pytest.raises(ValidationError) as refused:
        month("2024-06", datetime.date(2024, 6, 1))
    assert "most the rules allow" in " ".join(refused.value.messages)
