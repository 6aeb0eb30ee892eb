"""The case page reads at a glance: a header (reference, person as allowed, statuses), section links, a
timeline of what happened in the reader's language, a print stylesheet, and the case file as a PDF for
those who may see the whole case (audited)."""
import pytest
from django.urls import reverse
from django.utils import translation

from nicat.audit.models import AuditEvent
from nicat.cases.services import add_note
from nicat.web.timeline import _sort_key, case_timeline
from tests.support.identification import refer_with_consent
from tests.support.world import verified_login

pytestmark = pytest.mark.django_db


def _page(client, case):
    response = client.get(reverse("cases:detail", args=[case.uuid]))
    assert response.status_code == 200
    return response.content.decode()


def test_header_names_the_person_and_the_statuses(client, cast):
    case = cast.open_case()
    html = _page(verified_login(client, cast.worker), case)
    header = html[html.index('data-testid="case-header"'):html.index("data-case-tabs")]
    assert case.reference in header and "Aysel" in header and "Məmmədova" in header
    assert 'data-testid="header-case-status"' in header and 'data-testid="header-trafficking-status"' in header
    assert 'nicat/print.css" media="print"' in html
    assert "data-print" in header  # the print button
    assert reverse("web:case_file", args=[case.uuid]) in header


def test_timeline_lists_what_happened_in_the_readers_language(client, cast):
    case = cast.open_case()
    add_note(actor=cast.worker, case=case, text="Met at the bus station")
    refer_with_consent(cast.worker, case)
    client.cookies["nicat_language"] = "ru"
    html = _page(verified_login(client, cast.worker), case)
    timeline = html[html.index('data-testid="timeline"'):]
    assert "Met at the bus station" in timeline
    assert "Дело открыто" in timeline  # "Case opened by …", in Russian
    with translation.override("en"):
        entries = case_timeline(user=cast.worker, case=case)
    titles = [e["title"] for e in entries]
    assert any(t.startswith("Referred for identification") for t in titles)
    assert any(t.startswith("Consent (") for t in titles)
    assert any(t.startswith("Case opened") for t in titles)
    keys = [_sort_key(e) for e in entries]
    assert keys == sorted(keys, reverse=True)  # newest first


def test_timeline_shows_notes_only_to_who_sees_what_happened(cast):
    from nicat.access import policy

    case = cast.open_case()
    add_note(actor=cast.worker, case=case, text="Private detail")
    refer_with_consent(cast.worker, case)
    for user in (cast.worker, cast.officer):
        shown = any(e["kind"] == "note" for e in case_timeline(user=user, case=case))
        assert shown == policy.can_see_section(user, case, "narrative")
    assert any(e["kind"] == "note" for e in case_timeline(user=cast.worker, case=case))


def test_case_file_pdf_for_who_sees_everything_audited(client, cast):
    case = cast.open_case()
    verified_login(client, cast.worker)
    response = client.get(reverse("web:case_file", args=[case.uuid]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(action="case.file.print", case_uuid=str(case.uuid)).count() == 1


def test_case_file_refused_to_who_sees_part_and_hidden_from_strangers(client, cast):
    case = cast.open_case()
    refer_with_consent(cast.worker, case)
    verified_login(client, cast.officer)  # sees the case for identification, not its health section
    html = _page(client, case)
    assert reverse("web:case_file", args=[case.uuid]) not in html
    response = client.get(reverse("web:case_file", args=[case.uuid]))
    assert response.status_code == 403 and "Print the page instead" in response.content.decode()
    verified_login(client, cast.worker2)
    assert client.get(reverse("web:case_file", args=[case.uuid])).status_code == 404
    assert not AuditEvent.objects.filter(action="case.file.print").exists()
