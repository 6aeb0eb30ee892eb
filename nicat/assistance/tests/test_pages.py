"""The pages: facility list and detail (occupancy chart, confidential address), admission, the case's
protection and rehabilitation page, form refusals shown at the field, access refused."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from nicat.assistance import services
from nicat.assistance.models import ServiceDelivery, Stay
from nicat.audit.models import AuditEvent


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client
    return as_user


def test_facility_list_shows_free_places_but_no_address(world, login):
    page = login(world.cast.worker).get(reverse("assistance:index")).content.decode()
    assert "Dövlət sığınacağı" in page and "Gizli" not in page


def test_facility_page_has_an_svg_chart_and_no_inline_script_or_style(world, login):
    case = world.adult()
    # consented before the admission dated three days ago (the consent must be in force on its date)
    world.refer_to_shelter(case, consented_at=timezone.now() - datetime.timedelta(days=4))
    services.admit(actor=world.manager, facility=world.shelter, case=case, group="women",
                   admitted_at=timezone.now() - datetime.timedelta(days=3))
    response = login(world.manager).get(reverse("assistance:facility", args=[world.shelter.uuid]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in page and "<polyline" in page and case.reference in page
    assert "style=" not in page and "<script>" not in page.replace(" ", "")
    assert "Gizli" not in page  # shown only on request, and the reading is audited
    page = login(world.manager).get(reverse("assistance:facility", args=[world.shelter.uuid]) + "?address=1")
    assert "Gizli küçə 1" in page.content.decode()
    assert AuditEvent.objects.filter(action="facility.address_view").count() == 1


def test_the_address_is_refused_to_others(world, login):
    response = login(world.cast.worker).get(reverse("assistance:facility", args=[world.shelter.uuid]) + "?address=1")
    assert response.status_code == 403 and "Gizli" not in response.content.decode()


def test_admission_through_the_form(world, login):
    case = world.adult()
    world.refer_to_shelter(case)
    client = login(world.manager)
    url = reverse("assistance:admit", args=[world.shelter.uuid])
    response = client.post(url, {"case_reference": case.reference, "group": "men"})
    assert response.status_code == 400 and "women" in response.content.decode().lower()
    assert not Stay.objects.system().exists()
    response = client.post(url, {"case_reference": case.reference, "group": "women"})
    assert response.status_code == 302
    assert Stay.objects.system().get().case == case


def test_the_admission_form_takes_the_case_from_the_link_and_a_malformed_id_finds_nothing(world, login):
    """`?case=<uuid>` fills in the reference of a case the manager sees; a malformed id was a 500."""
    case = world.adult()
    world.refer_to_shelter(case)
    client = login(world.manager)
    url = reverse("assistance:admit", args=[world.shelter.uuid])
    assert case.reference in client.get(url, {"case": str(case.uuid)}).content.decode()
    for bad in ("not-a-uuid", "1' OR '1'='1", "0" * 40):
        response = client.get(url, {"case": bad})
        assert response.status_code == 200 and case.reference not in response.content.decode()


def test_admission_of_a_case_not_referred_says_so(world, login):
    case = world.adult()
    response = login(world.manager).post(reverse("assistance:admit", args=[world.shelter.uuid]),
                                         {"case_reference": case.reference, "group": "women"})
    assert response.status_code == 400 and "No case with this reference" in response.content.decode()


def test_case_page_renders_every_section_and_is_audited(world, login):
    case = world.recognise(world.adult())
    plan = services.create_plan(actor=world.cast.worker, case=case)
    services.add_goal(actor=world.cast.worker, plan=plan, area="medical", description="Dental treatment",
                      responsible_institution=world.cast.ngo)
    response = login(world.cast.worker).get(reverse("assistance:case", args=[case.uuid]))
    page = response.content.decode()
    assert response.status_code == 200
    for anchor in ('id="shelter"', 'id="plan"', 'id="services"', 'id="money"', 'id="interpreters"', 'id="return"',
                   'id="close"'):
        assert anchor in page
    assert "Dental treatment" in page
    assert AuditEvent.objects.filter(action="assistance.view", case_reference=case.reference).exists()


def test_health_details_are_hidden_from_shelter_staff(world, login):
    case = world.adult()
    world.refer_to_shelter(case)
    services.admit(actor=world.manager, facility=world.shelter, case=case, group="women")
    plan = services.create_plan(actor=world.cast.worker, case=case)
    services.add_goal(actor=world.cast.worker, plan=plan, area="medical", description="Dental treatment",
                      responsible_institution=world.cast.ngo)
    page = login(world.manager).get(reverse("assistance:case", args=[case.uuid])).content.decode()
    assert "Dental treatment" not in page and "health information" in page
    assert 'id="return"' not in page


def test_case_page_of_an_invisible_case_is_404(world, login):
    case = world.adult()
    assert login(world.cast.worker2).get(reverse("assistance:case", args=[case.uuid])).status_code == 404


def test_service_form_shows_the_refusal_of_a_private_business(world, login):
    case = world.adult()
    world.consent(case, "service", service="medical")
    response = login(world.cast.worker).post(reverse("assistance:service_add", args=[case.uuid]), {
        "kind": "medical", "provider": world.business.pk, "duration_minutes": "30",
        "delivered_at": (timezone.localtime() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")})
    page = response.content.decode()
    assert response.status_code == 400 and "private businesses may not provide paid services" in page
    assert not ServiceDelivery.objects.system().exists()


def test_close_form_refuses_without_final_review(world, login):
    case = world.adult()
    services.create_plan(actor=world.cast.worker, case=case)
    response = login(world.cast.worker).post(reverse("assistance:close", args=[case.uuid]), {
        "version": case.version, "status": "Closed", "closure_reason": "ServicesCompleted"})
    assert response.status_code == 400 and "final review" in response.content.decode()


def test_dashboard_reminds_of_stays_ending(world, login):
    from nicat.legal import services as legal

    legal.set_parameter(actor=world.cast.admin, data={"code": "shelter.max_stay_days", "value": "3",
                                                      "valid_from": timezone.localdate(),
                                                      "legal_act": "Shelter rules (test)"})
    case = world.adult()
    world.refer_to_shelter(case)
    services.admit(actor=world.manager, facility=world.shelter, case=case, group="women")
    page = login(world.manager).get(reverse("web:dashboard")).content.decode()
    assert 'data-testid="work-list"' in page and case.reference in page  # the work list (issue 15)
    assert 'data-kind="stay_ending"' in page


def test_the_case_panel_on_the_case_page(world, login):
    case = world.adult()
    page = login(world.cast.worker).get(reverse("cases:detail", args=[case.uuid])).content.decode()
    assert 'data-testid="assistance-panel"' in page and reverse("assistance:case", args=[case.uuid]) in page


@pytest.mark.parametrize("name", ["goal_add", "agreement", "review_add", "service_add", "allowance_add", "claim_add",
                                  "interpreter_add", "return_add", "reunification_add", "follow_up_add", "close"])
def test_every_case_form_renders(world, login, name):
    case = world.adult()
    services.create_plan(actor=world.cast.worker, case=case)
    response = login(world.cast.worker).get(reverse(f"assistance:{name}", args=[case.uuid]))
    assert response.status_code == 200 and 'data-testid="assistance-form"' in response.content.decode()


def test_analysts_and_administrators_do_not_open_case_pages(world, login):
    case = world.adult()
    assert login(world.cast.analyst).get(reverse("assistance:case", args=[case.uuid])).status_code == 403
