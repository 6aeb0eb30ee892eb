"""Break-glass: supervisors only, written reason, expires, grants the case while running, shown to
the owner institution, reviewed by another supervisor, audited with the reason sealed."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from nicat.access import services
from nicat.access.models import BreakGlass
from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.cases.models import Case
from nicat.core.errors import NotAllowed
from nicat.persons.models import Person
from tests.support.world import make_user, verified_login

REASON = "Person found injured at the border post; need the emergency contact recorded by the NGO."


@pytest.fixture
def sup(cast):
    return make_user("sup", cast.main_department, Role.SUPERVISOR)


@pytest.fixture
def ngo_sup(cast):
    return make_user("ngo.sup", cast.ngo, Role.SUPERVISOR)


def test_a_supervisor_opens_a_case_for_a_few_hours(cast, sup, settings):
    settings.NICAT_BREAK_GLASS_HOURS = 4
    case = cast.open_case()
    assert not Case.objects.visible_to(sup).filter(pk=case.pk).exists()
    opening = services.open_break_glass(actor=sup, case_reference=case.reference.lower(), reason=REASON)
    assert abs((opening.expires_at - opening.opened_at) - datetime.timedelta(hours=4)) < datetime.timedelta(seconds=1)
    assert Case.objects.visible_to(sup).filter(pk=case.pk).exists()
    assert Person.objects.visible_to(sup).filter(pk=case.person_id).exists()
    event = AuditEvent.objects.get(action="case.break_glass")
    assert event.case_reference == case.reference and REASON not in event.canonical_bytes().decode()
    # Expired: the access is gone.
    BreakGlass.objects.system().filter(pk=opening.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    sup._nicat_memberships = None
    assert not Case.objects.visible_to(sup).filter(pk=case.pk).exists()


def test_only_supervisors_may_break_glass(cast):
    case = cast.open_case()
    for user in (cast.worker2, cast.officer, cast.analyst, cast.admin):
        with pytest.raises(NotAllowed):
            services.open_break_glass(actor=user, case_reference=case.reference, reason=REASON)
    assert not BreakGlass.objects.system().exists()


def test_reason_and_reference_are_required(cast, sup):
    case = cast.open_case()
    with pytest.raises(ValidationError) as err:
        services.open_break_glass(actor=sup, case_reference=case.reference, reason="urgent")
    assert "reason" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.open_break_glass(actor=sup, case_reference="NCT-1999-999999", reason=REASON)
    assert "case_reference" in err.value.message_dict
    assert not BreakGlass.objects.system().exists()


def test_break_glass_cannot_override_a_restriction_order(cast, sup):
    case = cast.open_case()
    services.record_restriction_order(actor=cast.officer, case_reference=case.reference, issued_by="court",
                                      issuing_body="Baku Court", decision_reference="2-1/55",
                                      decided_on=timezone.localdate(), allowed_roles=[Role.CASE_WORKER])
    with pytest.raises(ValidationError):
        services.open_break_glass(actor=sup, case_reference=case.reference, reason=REASON)


def test_owner_sees_the_opening_and_another_supervisor_reviews_it(client, cast, sup, ngo_sup):
    case = cast.open_case()
    opening = services.open_break_glass(actor=sup, case_reference=case.reference, reason=REASON)
    verified_login(client, cast.worker)
    page = client.get(reverse("cases:detail", args=[case.uuid])).content.decode()
    assert 'data-testid="break-glass-on-case"' in page and REASON in page

    with pytest.raises(NotAllowed):
        services.review_break_glass(actor=sup, opening=opening, note="fine")  # not their own
    verified_login(client, ngo_sup)
    listing = client.get(reverse("access:break_glass_review")).content.decode()
    assert case.reference in listing
    r = client.post(reverse("access:break_glass_reviewed", args=[opening.uuid]), {"note": "Justified: injured."})
    assert r.status_code == 302
    opening.refresh_from_db()
    assert opening.reviewed_by == ngo_sup and opening.review_note == "Justified: injured."
    assert AuditEvent.objects.filter(action="case.break_glass_review").exists()


def test_break_glass_page_end_to_end(client, cast, sup):
    case = cast.open_case()
    verified_login(client, sup)
    assert client.get(reverse("cases:detail", args=[case.uuid])).status_code == 404
    r = client.post(reverse("access:break_glass"), {"case_reference": case.reference, "reason": "short"})
    assert r.status_code == 400
    r = client.post(reverse("access:break_glass"), {"case_reference": case.reference, "reason": REASON})
    assert r.status_code == 302 and r.url == reverse("cases:detail", args=[case.uuid])
    page = client.get(r.url)
    assert page.status_code == 200 and "break-glass" in page.content.decode().lower()
    opening = BreakGlass.objects.system().get()
    client.post(reverse("access:break_glass_end", args=[opening.uuid]))
    assert client.get(reverse("cases:detail", args=[case.uuid])).status_code == 404


def test_pages_refuse_other_roles(client, cast):
    verified_login(client, cast.worker)
    assert client.get(reverse("access:break_glass")).status_code == 403
    assert client.get(reverse("access:break_glass_review")).status_code == 403


def test_a_case_s_records_follow_the_grant_within_one_user_object(cast, sup, monkeypatch):
    """The rule over a case's records is composed once per user object and second (policy._visible_case_ids),
    but it never outlives the grant: an opening ended, or run out while the same user object is held (a
    request that lasts), takes the case's notes away at once."""
    from nicat.cases.models import CaseNote
    from nicat.cases.services import add_note

    case = cast.open_case()
    add_note(actor=cast.worker, case=case, text="Met at the border post.")
    opening = services.open_break_glass(actor=sup, case_reference=case.reference, reason=REASON)
    assert CaseNote.objects.visible_to(sup).filter(case=case).count() == 1
    # ended in the same second, the same user object: gone
    BreakGlass.objects.system().filter(pk=opening.pk).update(ended_at=timezone.now())
    assert CaseNote.objects.visible_to(sup).filter(case=case).count() == 0
    BreakGlass.objects.system().filter(pk=opening.pk).update(ended_at=None)
    assert CaseNote.objects.visible_to(sup).filter(case=case).count() == 1
    # run out: a minute past its expiry, the same user object
    later = opening.expires_at + datetime.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert CaseNote.objects.visible_to(sup).filter(case=case).count() == 0


def test_the_cases_themselves_follow_the_grant_within_one_user_object(cast, sup, monkeypatch):
    """The parts of the rule over cases (the own institution, each grant) are composed once per user object and
    second too (policy.case_filter_parts); the case list, a count and a lookup still lose a case whose opening ended
    in that second, or ran out while the same user object was held."""
    case = cast.open_case()
    opening = services.open_break_glass(actor=sup, case_reference=case.reference, reason=REASON)
    assert Case.objects.visible_to(sup).filter(pk=case.pk).count() == 1
    BreakGlass.objects.system().filter(pk=opening.pk).update(ended_at=timezone.now())
    assert Case.objects.visible_to(sup).filter(pk=case.pk).count() == 0
    assert not Case.objects.visible_to(sup).filter(uuid=case.uuid).exists()
    BreakGlass.objects.system().filter(pk=opening.pk).update(ended_at=None)
    assert list(Case.objects.visible_to(sup).filter(pk=case.pk)) == [case]
    later = opening.expires_at + datetime.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert Case.objects.visible_to(sup).filter(pk=case.pk).count() == 0


def test_the_review_list_shows_the_reasons_and_names_their_cases_in_the_trail(client, cast, sup, ngo_sup):
    """A reason is free text that may describe the person (sealed in the trail): the page showing the reasons of
    openings is a read of their cases (break_glass.list naming them, by uuid only)."""
    case = cast.open_case()
    services.open_break_glass(actor=sup, case_reference=case.reference, reason=REASON)
    verified_login(client, ngo_sup)
    listing = client.get(reverse("access:break_glass_review")).content.decode()
    assert REASON in listing
    event = AuditEvent.objects.get(action="break_glass.list")
    assert event.details["cases"] == [str(case.uuid)] and event.details["shown"] == 1
    assert "border" not in str(event.details) and not event.reason
