"""One reflection period: the case panel, the identification API, both dashboards, the residence permit
record and the certificate all show the same end date — the first contact + 30 days, not the recognition
+ 30 days (which the certificate and the identification deadlines used to show)."""
import datetime

import pytest
from django.utils import timezone

from nicat.assistance import selectors as assistance_selectors
from nicat.assistance.services import foreigners
from nicat.cases.models import Case
from nicat.identification import certificate
from nicat.identification import services as identification
from tests.support.world import term

pytestmark = pytest.mark.django_db


def test_every_place_shows_the_same_end_of_the_reflection_period(cast, api, monkeypatch):
    first = timezone.now() - datetime.timedelta(days=25)
    case = cast.open_case(actor=cast.officer, first_contact_at=first,
                          person={"birth_date": datetime.date(1994, 2, 2), "citizenships": [term("country", "UZ")]})
    end = timezone.localdate(first) + datetime.timedelta(days=30)
    decided = timezone.localdate() - datetime.timedelta(days=2)
    identification.record_decision(actor=cast.officer, case=case, expected_version=case.version, decision={
        "outcome": "recognised", "decided_on": decided,
        "documents": [{"title": "Inquiry report", "reference": "MD-9"}]})
    case = Case.objects.system().get(pk=case.pk)
    assert end != decided + datetime.timedelta(days=30)  # the old, second answer

    deadlines = {d.kind: d.due for d in identification.case_deadlines(case)}
    assert deadlines["reflection"] == end and deadlines["residence_permit"] == end

    api_deadlines = api(cast.officer).get(f"/api/v1/identification/cases/{case.uuid}/").json()["deadlines"]
    assert {d["kind"]: d["due"] for d in api_deadlines}["reflection"] == end.isoformat()

    permit = foreigners.open_residence_permit(actor=cast.officer, case=case)
    assert permit.reflection_period_ends == end
    listed = api(cast.officer).get(f"/api/v1/residence-permits/?case={case.uuid}").json()["results"]
    assert listed[0]["reflection_period_ends"] == end.isoformat()
    assert [p.pk for p in assistance_selectors.reminders(user=cast.officer)["reflection_ending"]] == [permit.pk]

    seen = {}
    monkeypatch.setattr(certificate, "render_certificate", lambda **kw: seen.update(kw) or b"%PDF")
    identification.certificate_pdf(actor=cast.officer, case=case)
    assert seen["reflection_end"] == end


def test_the_certificate_of_a_person_whose_citizenship_is_not_recorded_states_the_reflection_period(
        cast, api, monkeypatch):
    """A person whose citizenship is not recorded (documents taken by the traffickers) is treated as possibly
    foreign by the one rule (docs/legal-rules.md §2): the case panel shows the reflection period, and the
    certificate she carries states it too — the no-expulsion paragraph is not left out."""
    first = timezone.now() - datetime.timedelta(days=10)
    case = cast.open_case(actor=cast.officer, first_contact_at=first, person={"birth_date": datetime.date(1994, 2, 2)})
    end = timezone.localdate(first) + datetime.timedelta(days=30)
    decision = identification.record_decision(actor=cast.officer, case=case, expected_version=case.version, decision={
        "outcome": "recognised", "decided_on": timezone.localdate() - datetime.timedelta(days=1),
        "documents": [{"title": "Inquiry report", "reference": "MD-10"}]})
    case = Case.objects.system().get(pk=case.pk)
    assert {d.kind: d.due for d in identification.case_deadlines(case)}["reflection"] == end

    seen = {}
    monkeypatch.setattr(certificate, "render_certificate", lambda **kw: seen.update(kw) or b"%PDF")
    r = api(cast.officer).get(f"/api/v1/identification/decisions/{decision.uuid}/certificate/?lang=en")
    assert r.status_code == 200
    assert seen["reflection_end"] == end
