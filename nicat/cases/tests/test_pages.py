"""The case pages: intake, list with filters, detail, edit, notes and events — as a case worker uses them."""
import pytest
from django.urls import reverse
from django.utils import timezone

from nicat.cases.models import Case
from tests.support.world import PASSWORD, term


@pytest.fixture
def worker_client(client, cast):
    client.login(username="worker", password=PASSWORD)
    return client


def intake_post(**override):
    data = {
        "person-family_name": "Hüseynova", "person-given_name": "Leyla", "person-aliases": "Лейла\nLeila",
        "person-birth_date": "1999-04-02", "person-phone": "+994 50 000 00 01",
        "case-came_to_notice": "hotline", "case-first_contact_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "case-scope": "transnational", "case-summary": "Met at the airport.",
    }
    data.update(override)
    return data


def test_intake_creates_case_and_redirects_to_it(worker_client, cast):
    exploitation = term("exploitation", "sexual_exploitation")
    response = worker_client.post(reverse("cases:new"), intake_post(**{"case-exploitation_forms": [exploitation.pk]}))
    case = Case.objects.visible_to(cast.worker).get()
    assert response.status_code == 302 and response.url == reverse("cases:detail", args=[case.uuid])
    page = worker_client.get(response.url).content.decode()
    assert "Hüseynova Leyla" in page and case.reference in page and exploitation.label_en in page
    assert case.person.aliases == ["Лейла", "Leila"]


def test_intake_with_bad_input_shows_field_errors_and_saves_nothing(worker_client, cast):
    response = worker_client.post(reverse("cases:new"), intake_post(**{
        "person-family_name": "", "person-given_name": "", "person-aliases": "",
        "person-email": "not-an-email", "case-first_contact_at": "yesterday"}))
    assert response.status_code == 200
    form_errors = response.context["person_form"].errors
    assert "email" in form_errors and "first_contact_at" in response.context["case_form"].errors
    assert Case.objects.system().count() == 0


def test_list_filters_by_status_exploitation_and_reference(worker_client, cast):
    labour = cast.open_case(exploitation_forms=[term("exploitation", "forced_labour")])
    sexual = cast.open_case(exploitation_forms=[term("exploitation", "sexual_exploitation")])
    url = reverse("cases:list")
    page = worker_client.get(url, {"exploitation": term("exploitation", "forced_labour").pk}).content.decode()
    assert labour.reference in page and sexual.reference not in page
    number = sexual.reference.rsplit("-", 1)[1].lstrip("0")
    page = worker_client.get(url, {"reference": number}).content.decode()
    assert sexual.reference in page and labour.reference not in page
    page = worker_client.get(url, {"status": "Closed"}).content.decode()
    assert labour.reference not in page and sexual.reference not in page


def test_list_shows_only_own_institution_cases(client, cast):
    mine = cast.open_case()
    theirs = cast.open_case(actor=cast.worker2)
    client.login(username="worker", password=PASSWORD)
    page = client.get(reverse("cases:list")).content.decode()
    assert mine.reference in page and theirs.reference not in page
    assert client.get(reverse("cases:detail", args=[theirs.uuid])).status_code == 404


def test_edit_case_and_concurrent_edit_is_refused(worker_client, cast):
    case = cast.open_case()
    url = reverse("cases:edit", args=[case.uuid])
    form = {"status": "FollowUp", "closure_reason": "", "came_to_notice": "ngo", "scope": "internal",
            "first_contact_at": timezone.localtime(case.first_contact_at).strftime("%Y-%m-%dT%H:%M"),
            "summary": "Updated.", "version": case.version}
    assert worker_client.post(url, form).status_code == 302
    stale = worker_client.post(url, {**form, "status": "Active"})  # still the old version number
    assert stale.status_code == 200
    assert "changed by someone else" in str(stale.context["form"].non_field_errors()) or \
        "başqası" in str(stale.context["form"].non_field_errors())
    case = Case.objects.visible_to(cast.worker).get(pk=case.pk)
    assert case.status == "FollowUp" and case.version == 2


def test_note_and_event_are_added(worker_client, cast):
    case = cast.open_case()
    worker_client.post(reverse("cases:note_add", args=[case.uuid]), {"text": "Called the shelter."})
    response = worker_client.post(reverse("cases:event_add", args=[case.uuid]), {
        "event-kind": "Exploitation", "event-country": term("country", "TR").pk, "event-place": "İstanbul",
        "event-date_from": "2025-01-01", "event-date_to": "2025-03-01"})
    assert response.status_code == 302
    page = worker_client.get(reverse("cases:detail", args=[case.uuid])).content.decode()
    assert "Called the shelter." in page and "İstanbul" in page


def test_event_with_reversed_dates_is_refused(worker_client, cast):
    case = cast.open_case()
    response = worker_client.post(reverse("cases:event_add", args=[case.uuid]), {
        "event-kind": "Transit", "event-date_from": "2025-03-01", "event-date_to": "2025-01-01"})
    assert response.status_code == 400
    assert "date_to" in response.context["event_form"].errors


def test_note_via_htmx_returns_the_notes_fragment(worker_client, cast):
    case = cast.open_case()
    response = worker_client.post(reverse("cases:note_add", args=[case.uuid]), {"text": "HTMX note"},
                                  HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "HTMX note" in body and "<html" not in body


def test_unknown_uuid_is_404_not_500(worker_client):
    assert worker_client.get("/cases/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert worker_client.get("/cases/not-a-uuid/").status_code == 404


def test_analyst_and_admin_cannot_open_case_pages(client, cast):
    case = cast.open_case()
    for username in ("analyst", "admin"):
        client.login(username=username, password=PASSWORD)
        assert client.get(reverse("cases:list")).status_code == 403
        assert client.get(reverse("cases:detail", args=[case.uuid])).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302 and reverse("web:login") in response.url
