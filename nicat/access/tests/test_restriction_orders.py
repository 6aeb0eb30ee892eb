"""Access-restriction orders: recorded by the competent authority, end access for every role the
order does not name (the owner institution too, the person included), lifted to restore it."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from nicat.access import services
from nicat.access.models import RestrictionOrder
from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.cases.models import Case, CaseNote
from nicat.core.errors import NotAllowed
from nicat.persons.models import Person
from tests.support.world import make_user, verified_login


def record(cast, case, roles=(), actor=None):
    return services.record_restriction_order(
        actor=actor or cast.officer, case_reference=case.reference, issued_by="prosecutor",
        issuing_body="Prosecutor General's Office", decision_reference="PGO-77/2026",
        decided_on=timezone.localdate(), allowed_roles=list(roles))


def fresh(user):
    user._nicat_memberships = None
    return user


def test_an_order_ends_access_except_for_the_roles_it_names(cast):
    case = cast.open_case()
    cast.open_case()  # another case of the same NGO stays visible
    shelter = make_user("shelter", cast.ngo, Role.SHELTER_STAFF)
    order = record(cast, case, roles=[Role.SHELTER_STAFF])
    assert not Case.objects.visible_to(fresh(cast.worker)).filter(pk=case.pk).exists()
    assert Case.objects.visible_to(cast.worker).count() == 1
    assert not Person.objects.visible_to(cast.worker).filter(pk=case.person_id).exists()
    assert not CaseNote.objects.visible_to(cast.worker).filter(case=case).exists()
    assert Case.objects.visible_to(fresh(shelter)).filter(pk=case.pk).exists()
    event = AuditEvent.objects.get(action="restriction.record")
    assert "PGO-77/2026" not in event.canonical_bytes().decode()
    services.lift_restriction_order(actor=cast.officer, order=order)
    assert Case.objects.visible_to(fresh(cast.worker)).filter(pk=case.pk).exists()
    assert AuditEvent.objects.filter(action="restriction.lift").exists()


def test_only_the_competent_authority_records_orders(cast):
    case = cast.open_case()
    ngo_sup = make_user("ngo.sup", cast.ngo, Role.SUPERVISOR)
    for user in (cast.worker, ngo_sup, cast.analyst, cast.admin):
        with pytest.raises(NotAllowed):
            record(cast, case, actor=user)
    assert not RestrictionOrder.objects.system().exists()


def test_bad_input_is_refused_and_nothing_is_written(cast):
    case = cast.open_case()
    with pytest.raises(ValidationError) as err:
        services.record_restriction_order(
            actor=cast.officer, case_reference=case.reference, issued_by="police", issuing_body="",
            decision_reference="", decided_on=timezone.localdate() + datetime.timedelta(days=3),
            allowed_roles=[Role.ADMINISTRATOR])
    assert set(err.value.message_dict) == {"issued_by", "issuing_body", "decision_reference", "decided_on",
                                           "allowed_roles"}
    assert not RestrictionOrder.objects.system().exists()


def test_forged_roles_on_the_page_are_refused(client, cast):
    case = cast.open_case()
    verified_login(client, cast.officer)
    r = client.post(reverse("access:restrictions"), {
        "case_reference": case.reference, "issued_by": "court", "issuing_body": "Court",
        "decision_reference": "1", "decided_on": timezone.localdate().isoformat(),
        "allowed_roles": ["case_worker", "administrator"]})
    assert r.status_code == 400
    assert not RestrictionOrder.objects.system().exists()
    r = client.post(reverse("access:restrictions"), {
        "case_reference": case.reference, "issued_by": "court", "issuing_body": "Court",
        "decision_reference": "1", "decided_on": timezone.localdate().isoformat(), "allowed_roles": ["case_worker"]})
    assert r.status_code == 302
    assert RestrictionOrder.objects.system().get().role_list == ["case_worker"]


def test_restricted_case_answers_404_on_page_and_api(client, cast, api):
    case = cast.open_case()
    record(cast, case)
    verified_login(client, cast.worker)
    assert client.get(reverse("cases:detail", args=[case.uuid])).status_code == 404
    assert api(cast.worker).get(f"/api/v1/cases/{case.uuid}/").status_code == 404
    assert api(cast.worker).get(f"/api/v1/persons/{case.person.uuid}/").status_code == 404
    assert case.reference not in client.get(reverse("cases:list")).content.decode()


def test_owner_supervisor_sees_the_order_but_not_the_case(client, cast):
    case = cast.open_case()
    ngo_sup = make_user("ngo.sup", cast.ngo, Role.SUPERVISOR)
    record(cast, case)
    verified_login(client, ngo_sup)
    listing = client.get(reverse("access:restrictions"))
    assert listing.status_code == 200 and case.reference in listing.content.decode()
    assert 'name="decision_reference"' not in listing.content.decode()  # no form to record one
    r = client.post(reverse("access:restrictions"), {"case_reference": case.reference})
    assert r.status_code == 403
    assert client.get(reverse("cases:detail", args=[case.uuid])).status_code == 404


def test_allowed_role_sees_the_order_on_the_case_page(client, cast):
    case = cast.open_case()
    record(cast, case, roles=[Role.CASE_WORKER])
    verified_login(client, cast.worker)
    page = client.get(reverse("cases:detail", args=[case.uuid])).content.decode()
    assert "PGO-77/2026" in page
