"""Law 3 on the decision page: the referrer's note (free text about the person, written when the case was referred
for identification) is shown to the deciding officer, on the page and again on the page re-shown after a refused
decision. Every showing is a read of it (`identification.referral.view`, naming the case)."""
import pytest
from django.urls import reverse
from django.utils import timezone

from nicat.audit.models import AuditEvent
from nicat.cases.models import Case
from tests.support.identification import refer_with_consent
from tests.support.world import verified_login

pytestmark = pytest.mark.django_db

NOTE = "She names the recruiter and the flat in Dubai where she was kept."


def _last():
    return AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0


def _note_reads(case, since):
    return list(AuditEvent.objects.filter(sequence__gt=since, action="identification.referral.view",
                                          case_uuid=str(case.uuid)))


@pytest.fixture
def referred(cast, adult_case):
    refer_with_consent(cast.worker, adult_case, note=NOTE)
    return adult_case


def test_the_decision_page_shows_the_referral_note_and_records_its_read(client, cast, referred):
    verified_login(client, cast.officer)
    since = _last()
    page = client.get(reverse("identification:decide", args=[referred.uuid]))
    assert page.status_code == 200 and NOTE in page.content.decode()
    assert len(_note_reads(referred, since)) == 1


def test_a_refused_decision_shows_the_referral_note_again_and_records_its_read(client, cast, referred):
    verified_login(client, cast.officer)
    version = Case.objects.system().get(pk=referred.pk).version
    since = _last()
    response = client.post(reverse("identification:decide", args=[referred.uuid]), {
        "outcome": "recognised", "decided_on": timezone.localdate().isoformat(), "reason": "Confirmed.",
        "certificate_language": "en", "version": version, "doc-TOTAL_FORMS": "1", "doc-INITIAL_FORMS": "0",
        "doc-MIN_NUM_FORMS": "0", "doc-MAX_NUM_FORMS": "30", "doc-0-title": "", "doc-0-date": "",
        "doc-0-reference": ""})  # no document: refused
    assert response.status_code == 400 and NOTE in response.content.decode()
    assert _note_reads(referred, since), "the referral's note was shown again, and no event names its read"
