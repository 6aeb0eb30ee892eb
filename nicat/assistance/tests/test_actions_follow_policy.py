"""Pages offer only what the user may do (nicat.access.predicates.case_actions); a refusal that still
happens is shown on the same form with its real reason and the typed data kept; the sections a referral
shares are what the receiving staff see, exactly as the case page says (issue 15, item 1)."""
import datetime

from django.urls import reverse
from django.utils import timezone

from nicat.access import policy, predicates
from tests.support.world import verified_login


def _adult_with_summary(world):
    import datetime as dt

    from tests.support.world import term

    return world.cast.open_case(person={"gender": term("gender", "feminine"), "birth_date": dt.date(1995, 5, 5)},
                                summary="Recruited through a fake job offer in Dubai.")


def _refer(world, case, sections):
    from nicat.referrals.services import accept_referral, create_referral

    world.consent(case, "service", service="shelter", institution=world.shelter_institution)
    referral = create_referral(actor=world.cast.worker, case=case, data={
        "to_institution": world.shelter_institution, "purpose": "service", "service": "shelter",
        "shared_sections": sections, "message": "Needs a safe place."})
    accept_referral(actor=world.manager, referral=referral, expected_version=referral.version)
    world.manager._nicat_memberships = None
    return referral


def test_the_shelter_is_offered_its_work_and_not_the_owners(client, world):
    case = world.recognise(world.adult())
    _refer(world, case, ["identity", "contacts"])
    actions = predicates.case_actions(world.manager, case)
    assert {"plan", "service", "shelter"} <= actions
    assert not actions & {"close", "payment", "consent", "decide"}
    verified_login(client, world.manager)
    page = client.get(reverse("assistance:case", args=[case.uuid])).content.decode()
    assert 'data-testid="plan-create"' in page and 'data-testid="service-add"' in page
    assert 'data-testid="close-case"' not in page and 'data-testid="allowance-add"' not in page
    assert 'data-testid="claim-add"' not in page
    # The owner's case worker is offered closing and the allowance.
    verified_login(client, world.cast.worker)
    page = client.get(reverse("assistance:case", args=[case.uuid])).content.decode()
    assert 'data-testid="close-case"' in page and 'data-testid="allowance-add"' in page


def test_a_case_worker_of_another_institution_cannot_close_the_case(world):
    import pytest
    from django.core.exceptions import PermissionDenied

    from nicat.assistance.services import close_case
    from nicat.referrals.services import accept_referral, create_referral
    from tests.support.world import make_user

    case = world.adult()
    centre_worker = make_user("centre.worker", world.centre_institution)
    world.consent(case, "referral", institution=world.centre_institution)
    referral = create_referral(actor=world.cast.worker, case=case, data={
        "to_institution": world.centre_institution, "purpose": "referral", "shared_sections": ["identity"],
        "message": "Vocational training."})
    accept_referral(actor=centre_worker, referral=referral, expected_version=referral.version)
    assert "close" not in predicates.case_actions(centre_worker, case)
    with pytest.raises(PermissionDenied, match="owns the case"):
        close_case(actor=centre_worker, case=case, closure_reason="other", expected_version=case.version)


def test_after_the_decision_the_officer_is_not_offered_to_decide_again(client, world):
    case = world.adult(actor=world.cast.officer)
    verified_login(client, world.cast.officer)
    page = client.get(reverse("cases:detail", args=[case.uuid])).content.decode()
    assert reverse("identification:decide", args=[case.uuid]) in page
    world.recognise(case)
    page = client.get(reverse("cases:detail", args=[case.uuid])).content.decode()
    assert reverse("identification:decide", args=[case.uuid]) not in page
    assert reverse("identification:refer", args=[case.uuid]) not in page


def test_shared_sections_are_what_the_shelter_sees_and_what_the_page_says(client, world):
    case = _adult_with_summary(world)
    _refer(world, case, ["identity", "contacts", "narrative", "medical"])
    assert policy.visible_sections(world.manager, case) == {"identity", "contacts", "narrative", "medical"}
    verified_login(client, world.manager)
    page = client.get(reverse("cases:detail", args=[case.uuid])).content.decode()
    assert "fake job offer in Dubai" in page
    claim = page.split('data-testid="shared-sections"', 1)[1].split("</p>", 1)[0]
    for label in ("Identity", "Contacts", "What happened", "Health needs"):
        assert label in claim
    assert "Return" not in claim


def test_a_narrower_referral_shows_and_claims_less(client, world):
    case = _adult_with_summary(world)
    _refer(world, case, ["identity", "contacts"])
    verified_login(client, world.manager)
    page = client.get(reverse("cases:detail", args=[case.uuid])).content.decode()
    assert "fake job offer in Dubai" not in page
    claim = page.split('data-testid="shared-sections"', 1)[1].split("</p>", 1)[0]
    assert "What happened" not in claim and "Health needs" not in claim


def _goal_post(client, case, area, description):
    return client.post(reverse("assistance:goal_add", args=[case.uuid]), {
        "area": area, "description": description, "responsible_institution": "",
    })


def test_a_psychological_goal_refused_on_the_same_page_with_the_reason_and_the_text_kept(client, world):
    from nicat.assistance.services import create_plan

    case = world.adult()
    _refer(world, case, ["identity", "contacts"])
    create_plan(actor=world.manager, case=case)
    verified_login(client, world.manager)
    form = client.get(reverse("assistance:goal_add", args=[case.uuid])).content.decode()
    institution = form.split('name="responsible_institution"', 1)[1]
    response = client.post(reverse("assistance:goal_add", args=[case.uuid]), {
        "area": "psychological", "description": "Weekly talks with the psychologist about the nightmares.",
        "responsible_institution": _selected_or_first(institution)})
    body = response.content.decode()
    assert response.status_code == 403
    assert 'data-testid="assistance-form"' in body  # the same form, not the generic 403 page
    assert "health needs and treatment" in body and "owns the case" in body
    assert "Weekly talks with the psychologist about the nightmares." in body


def _selected_or_first(select_html):
    import re

    options = re.findall(r'<option value="([^"]+)"([^>]*)>', select_html.split("</select>", 1)[0])
    for value, attrs in options:
        if "selected" in attrs:
            return value
    return options[0][0]


def test_with_health_shared_the_shelter_adds_the_goal_and_logs_the_service(client, world):
    from nicat.assistance.models import PlanGoal, ServiceDelivery
    from nicat.assistance.services import create_plan
    from nicat.directory.models import InstitutionService

    case = world.adult()
    _refer(world, case, ["identity", "contacts", "narrative", "medical"])
    InstitutionService.objects.create(institution=world.shelter_institution, kind="psychological")
    world.consent(case, "service", service="psychological", institution=world.shelter_institution,
                  given_at=timezone.now() - datetime.timedelta(days=1))  # in force when the session took place
    create_plan(actor=world.manager, case=case)
    verified_login(client, world.manager)
    response = client.post(reverse("assistance:goal_add", args=[case.uuid]), {
        "area": "psychological", "description": "Weekly talks with the psychologist.",
        "responsible_institution": str(world.shelter_institution.pk)})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PlanGoal.objects.system().filter(case=case, area="psychological").exists()
    delivered = timezone.localtime() - datetime.timedelta(hours=1)
    response = client.post(reverse("assistance:service_add", args=[case.uuid]), {
        "kind": "psychological", "provider": str(world.shelter_institution.pk), "duration_minutes": 50,
        "delivered_at": delivered.strftime("%Y-%m-%dT%H:%M"), "description": "First session."})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert ServiceDelivery.objects.system().filter(case=case, kind="psychological").exists()
