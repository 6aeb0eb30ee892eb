"""The identification pages as first responders and identification officers use them."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from nicat.audit.models import AuditEvent
from nicat.cases.models import Case, TraffickingStatus
from nicat.identification.models import Screening
from tests.support.identification import identification_consent
from tests.support.world import term, verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(client, cast):
    return verified_login(client, cast.worker)


def screening_post(**extra):
    data = {"acts": [term("act", "recruitment").pk], "acts_facts": "Recruited via a job advert.",
            "means": [term("means", "deception").pk], "means_facts": "Promised work in a hotel.",
            "purposes": [term("exploitation", "forced_labour").pk], "purpose_facts": "Farm work, unpaid.",
            "ind-deceptive_recruitment-job_nature": "yes", "fact-deceptive_recruitment-job_nature": "Hotel job",
            "ind-deceptive_recruitment-wages": "yes",
            "ind-exploitative_conditions-excessive_hours": "yes", "ind-exploitative_conditions-low_pay": "yes"}
    data.update(extra)
    return data


def test_screen_save_resume_complete_and_see_the_reasoning(worker, cast, adult_case):
    url = reverse("identification:screening_new", args=[adult_case.uuid])
    page = worker.get(url)
    assert page.status_code == 200 and "ind-coercion_at_destination-violence" in page.content.decode()
    response = worker.post(url, screening_post(**{"ind-exploitative_conditions-low_pay": "unknown"}))
    screening = Screening.objects.visible_to(cast.worker).get()
    assert response.status_code == 302 and str(screening.uuid) in response.url
    page = worker.get(response.url).content.decode()
    assert 'data-next-step="refer_identification"' in page  # the legal definition is complete
    assert "Hotel job" in page
    assert AuditEvent.objects.filter(action="identification.screening.view").exists()

    response = worker.post(response.url, {**screening_post(), "version": screening.version, "complete": "1"})
    assert response.status_code == 302
    screening.refresh_from_db()
    assert screening.is_completed and screening.answers["exploitative_conditions.low_pay"]["answer"] == "yes"
    page = worker.get(reverse("cases:detail", args=[adult_case.uuid])).content.decode()
    assert 'data-testid="identification-panel"' in page
    assert reverse("identification:refer", args=[adult_case.uuid]) in page


def test_bad_screening_input_shows_what_to_fix(worker, cast, child_case):
    url = reverse("identification:screening_new", args=[child_case.uuid])
    response = worker.post(url, screening_post(population="adult"))
    assert response.status_code == 400
    assert "population" in response.context["form"].errors
    assert not Screening.objects.system().exists()
    response = worker.post(url, screening_post(purposes=["999999"]))
    assert response.status_code == 400 and "purposes" in response.context["form"].errors


def test_refer_page_with_consent(worker, cast, adult_case):
    url = reverse("identification:refer", args=[adult_case.uuid])
    assert worker.get(url).status_code == 200
    response = worker.post(url, {"note": "Urgent"})
    assert response.status_code == 400 and 'data-testid="refer-errors"' in response.content.decode()
    assert "?purpose=identification" in response.content.decode()  # a link to record the consent
    identification_consent(cast.worker, adult_case)
    response = worker.post(url, {"note": "Urgent"})
    assert response.status_code == 302
    page = worker.get(reverse("cases:detail", args=[adult_case.uuid])).content.decode()
    assert 'data-deadline="referral" data-state="done"' in page


def test_decision_refused_to_others_with_a_clear_message(worker, cast, adult_case):
    response = worker.get(reverse("identification:decide", args=[adult_case.uuid]))
    assert response.status_code == 403
    assert "Only an identification officer" in response.content.decode()


def test_officer_decides_and_prints_the_certificate(client, cast, adult_case):
    verified_login(client, cast.worker)
    identification_consent(cast.worker, adult_case)
    client.post(reverse("identification:refer", args=[adult_case.uuid]), {})
    client.logout()
    verified_login(client, cast.officer)
    assert adult_case.reference in client.get(reverse("identification:worklist")).content.decode()
    url = reverse("identification:decide", args=[adult_case.uuid])
    page = client.get(url)
    assert page.status_code == 200
    version = Case.objects.system().get(pk=adult_case.pk).version
    form = {"outcome": "recognised", "decided_on": timezone.localdate().isoformat(), "reason": "Confirmed.",
            "release_from_liability": "on", "certificate_language": "en", "version": version,
            "doc-TOTAL_FORMS": "3", "doc-INITIAL_FORMS": "0", "doc-MIN_NUM_FORMS": "0", "doc-MAX_NUM_FORMS": "30",
            "doc-0-title": "", "doc-0-date": "", "doc-0-reference": ""}
    response = client.post(url, form)
    assert response.status_code == 400 and response.context["documents_errors"]
    assert 'data-testid="documents-errors"' in response.content.decode()
    response = client.post(url, {**form, "doc-0-title": "Inquiry report", "doc-0-date": "2026-01-02",
                                 "doc-0-reference": "MD-1"})
    assert response.status_code == 302
    assert Case.objects.system().get(pk=adult_case.pk).trafficking_status == TraffickingStatus.ACTUAL
    pdf = client.get(reverse("identification:certificate", args=[adult_case.uuid]) + "?lang=az")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert "no-store" in pdf["Cache-Control"]


def test_dashboard_highlights_overdue_referrals(worker, cast):
    late = cast.open_case(first_contact_at=timezone.now() - datetime.timedelta(hours=30))
    page = worker.get(reverse("web:dashboard")).content.decode()
    # the dashboard's work list (issue 15): the overdue referral to the Main Department, marked overdue
    assert 'data-testid="work-list"' in page and late.reference in page
    assert 'data-kind="identification_referral" class="work-overdue"' in page


def test_child_flag_on_the_case_page(worker, cast):
    born = timezone.localdate() - datetime.timedelta(days=13 * 365)
    case = cast.open_case(person={"birth_date": born, "citizenships": [term("country", "UZ")]})
    page = worker.get(reverse("cases:detail", args=[case.uuid])).content.decode()
    assert 'data-flag="child_never_deport"' in page


def test_pages_of_another_institutions_case_are_not_found(client, cast, adult_case):
    verified_login(client, cast.worker2)
    for name in ("screening_new", "refer", "decide", "certificate"):
        assert client.get(reverse(f"identification:{name}", args=[adult_case.uuid])).status_code == 404


def test_an_unverified_indicator_list_is_labelled_on_the_screening_page(worker, cast):
    """The sexual-exploitation lists could not be checked against the ILO/EC brochure: the page says so."""
    sexual = cast.open_case(exploitation_forms=[term("exploitation", "sexual_exploitation")])
    page = worker.get(reverse("identification:screening_new", args=[sexual.uuid])).content.decode()
    assert 'data-testid="list-unverified"' in page and "Unverified list" in page
    labour = cast.open_case(exploitation_forms=[term("exploitation", "forced_labour")])
    page = worker.get(reverse("identification:screening_new", args=[labour.uuid])).content.decode()
    assert 'data-testid="list-unverified"' not in page
