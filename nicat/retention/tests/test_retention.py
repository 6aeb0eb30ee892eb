"""The retention run honours the dated legal period and --dry-run writes nothing; requests to erase or
correct are recorded by the owner's staff and decided only by the owner's supervisor, audited."""
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.cases.models import Case
from nicat.core.errors import NotAllowed
from nicat.core.jobs import periodic_jobs
from nicat.legal.models import LegalParameter
from nicat.persons.models import Person
from nicat.retention import services
from nicat.retention.models import DataRequest
from tests.support.world import make_user, verified_login

TODAY = datetime.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def own_ledger(tmp_path, settings):
    settings.NICAT_ERASURE_LEDGER = str(tmp_path / "erased-person-keys.txt")


def closed(cast, name, days_ago, **person):
    case = cast.open_case(person={"given_name": name, **person})
    Case.objects.system().filter(pk=case.pk).update(
        status="Closed", closure_reason="ServicesCompleted",
        closed_at=timezone.make_aware(datetime.datetime.combine(TODAY - datetime.timedelta(days=days_ago),
                                                                datetime.time(12))))
    return case


def test_the_run_honours_the_dated_period_and_a_dry_run_writes_nothing(cast):
    old = closed(cast, "Old", days_ago=6 * 365)       # closed 6 years ago: past 5 years
    recent = closed(cast, "Recent", days_ago=4 * 365)  # 4 years ago: not yet
    open_case = cast.open_case(person={"given_name": "Open"})  # never due while a case is open
    events = AuditEvent.objects.count()
    out = io.StringIO()
    call_command("retention", "run", "--dry-run", "--date", TODAY.isoformat(), stdout=out)
    assert "60 months" in out.getvalue() and "Dry run: 1 persons are due" in out.getvalue()
    assert AuditEvent.objects.count() == events  # nothing written, not even the audit trail
    assert not Person.objects.system().filter(erased_at__isnull=False).exists()

    # A new period of 3 years applies from 1 July 2026: not yet on 1 June …
    LegalParameter.objects.create(code=services.PERIOD, value=Decimal(36), valid_from=datetime.date(2026, 7, 1),
                                  legal_act="Test resolution", source="test")
    assert services.run_retention(today=TODAY, dry_run=True).due == 1
    # … and on 1 August both closed persons are due; the open case's person never is.
    report = services.run_retention(today=datetime.date(2026, 8, 1))
    assert (report.months, report.due, report.erased) == (36, 2, 2)
    erased = set(Person.objects.system().filter(erased_at__isnull=False).values_list("pk", flat=True))
    assert erased == {old.person_id, recent.person_id}
    assert open_case.person_id not in erased
    run = AuditEvent.objects.filter(action="retention.run").get()
    assert run.details["erased"] == 2 and run.details["period_months"] == 36
    assert AuditEvent.objects.filter(action="person.erase").count() == 2
    # a second run finds nothing left
    assert services.run_retention(today=datetime.date(2026, 8, 1)).due == 0


def test_a_person_with_one_case_still_open_is_kept(cast):
    case = closed(cast, "Twice", days_ago=10 * 365)
    from nicat.cases.services import open_case

    open_case(actor=cast.worker, person=case.person, case_data={"first_contact_at": timezone.now()})
    assert services.run_retention(today=TODAY, dry_run=True).due == 0


def test_the_periodic_job_is_registered():
    assert periodic_jobs()["retention.run"].every == 86400


@pytest.fixture
def staff(cast):
    return {"supervisor": make_user("sup", cast.ngo, Role.SUPERVISOR),
            "other_supervisor": make_user("sup2", cast.ngo2, Role.SUPERVISOR)}


def test_an_erasure_request_is_decided_by_the_owners_supervisor_only(cast, staff):
    case = cast.open_case(person={"given_name": "Nərmin", "family_name": "Asks"})
    request = services.record_request(actor=cast.worker, case=case, kind="erasure",
                                      requested_on=TODAY, details="Nərmin wants her data erased")
    assert AuditEvent.objects.filter(action="datarequest.record").exists()
    # the worker who recorded it, a worker, another institution's supervisor: refused
    with pytest.raises(NotAllowed):
        services.decide_request(actor=cast.worker, data_request=request, approve=True, reason="ok",
                                expected_version=request.version)
    with pytest.raises(NotAllowed):
        services.decide_request(actor=staff["other_supervisor"], data_request=request, approve=True, reason="ok",
                                expected_version=request.version)
    with pytest.raises(NotAllowed):
        services.record_request(actor=cast.worker2, case=case, kind="erasure", requested_on=TODAY, details="x")
    assert not Person.objects.system().get(pk=case.person_id).erased_at
    # pages: the worker gets 403 on the decision, the other institution 404 on the request
    worker = verified_login(Client(), cast.worker)
    assert worker.post(reverse("retention:request_decide", args=[request.uuid]),
                       {"decision": "approve", "reason": "ok", "version": request.version}).status_code == 403
    other = verified_login(Client(), staff["other_supervisor"])
    assert other.get(reverse("retention:request", args=[request.uuid])).status_code == 404
    assert other.post(reverse("retention:request_decide", args=[request.uuid]),
                      {"decision": "approve", "reason": "ok", "version": request.version}).status_code == 404
    assert not Person.objects.system().get(pk=case.person_id).erased_at
    # the owner's supervisor approves on the page: erased by the same shredding
    supervisor = verified_login(Client(), staff["supervisor"])
    page = supervisor.get(reverse("retention:request", args=[request.uuid]))
    assert page.status_code == 200 and "Nərmin wants" in page.content.decode()
    response = supervisor.post(reverse("retention:request_decide", args=[request.uuid]),
                               {"decision": "approve", "reason": "Her right", "version": request.version})
    assert response.status_code == 302
    person = Person.objects.system().get(pk=case.person_id)
    assert person.erased_at and person.erasure_basis == "request"
    decided = AuditEvent.objects.filter(action="datarequest.decide").get()
    assert decided.details == {"kind": "erasure", "decision": "approved"}
    assert AuditEvent.objects.filter(action="person.erase").get().details["request"] == str(request.uuid)
    # the request's own text was under the person's key: unreadable now, the page still renders
    from nicat.privacy import personkeys

    personkeys.forget_cache()
    assert DataRequest.objects.system().get(pk=request.pk).details == ""
    page = supervisor.get(reverse("retention:request", args=[request.uuid]))
    assert page.status_code == 200 and "Nərmin" not in page.content.decode()
    case_page = supervisor.get(reverse("cases:detail", args=[case.uuid]))
    assert case_page.status_code == 200 and "Nərmin" not in case_page.content.decode()


def test_a_correction_is_applied_through_the_person_update(cast, staff):
    case = cast.open_case(person={"given_name": "Leyla", "family_name": "Wrongname"})
    worker = verified_login(Client(), cast.worker)
    response = worker.post(reverse("retention:request_new", args=[case.uuid]), {
        "kind": "correction", "requested_by": "person", "requested_on": TODAY.isoformat(),
        "details": "My family name is spelt Rightname", "family_name": "Rightname"})
    assert response.status_code == 302, response.content.decode()[:2000]
    request = DataRequest.objects.system().get()
    assert request.corrections == {"family_name": "Rightname"}
    with pytest.raises(ValidationError):  # no reason
        services.decide_request(actor=staff["supervisor"], data_request=request, approve=True, reason=" ",
                                expected_version=request.version)
    services.decide_request(actor=staff["supervisor"], data_request=request, approve=True, reason="Passport seen",
                            expected_version=request.version)
    person = Person.objects.system().get(pk=case.person_id)
    assert person.family_name == "Rightname" and not person.erased_at
    assert AuditEvent.objects.filter(action="person.update", object_id=str(person.uuid)).exists()
    with pytest.raises(ValidationError):  # decided already
        services.decide_request(actor=staff["supervisor"], data_request=request, approve=False, reason="again",
                                expected_version=request.version)


def test_a_request_form_with_missing_facts_says_what_is_missing(cast):
    case = cast.open_case()
    worker = verified_login(Client(), cast.worker)
    response = worker.post(reverse("retention:request_new", args=[case.uuid]), {
        "kind": "correction", "requested_by": "person", "requested_on": TODAY.isoformat(), "details": "Fix it"})
    assert response.status_code == 400 and "Enter at least one corrected value" in response.content.decode()
    assert not DataRequest.objects.system().exists()


def test_old_hotline_contacts_that_led_to_no_case_lose_their_identifying_details(cast):
    """A caller's name, phone and notes are kept no longer than `retention.hotline_contact_months` (12 by
    default) after the call when the call led to no case; a contact that became a case, an open callback and
    a recent call keep theirs; what the hotline's statistics count stays; a dry run changes nothing."""
    from nicat.hotline.models import Contact
    from nicat.hotline.services import record_contact
    from tests.support.world import make_institution

    hotline = make_institution("hotline-152", "hotline", name_az="152", phone="152")
    operator = make_user("operator", hotline, Role.HOTLINE_OPERATOR)
    named = {"identity_consent": True, "caller_name": "Leyla Quliyeva", "phone": "+994 50 111 22 33",
             "notes": "Calls from her employer's flat in Dubai"}

    def call(days_ago, **extra):
        contact = record_contact(actor=operator, data={"reason": "information", **named, **extra})
        started = timezone.make_aware(datetime.datetime.combine(TODAY - datetime.timedelta(days=days_ago),
                                                                datetime.time(10)))
        Contact.objects.system().filter(pk=contact.pk).update(started_at=started)
        return contact

    old = call(400, reason="job_offer_abroad")
    callback = call(400, outcome="callback", follow_up_due=timezone.now() + datetime.timedelta(days=1))
    recent = call(100)
    became_a_case = call(400)
    Contact.objects.system().filter(pk=became_a_case.pk).update(case=cast.open_case())

    assert services.run_retention(today=TODAY, dry_run=True).contacts == 1
    assert Contact.objects.system().get(pk=old.pk).caller_name == "Leyla Quliyeva"
    report = services.run_retention(today=TODAY)
    assert (report.contact_months, report.contacts) == (12, 1)
    old = Contact.objects.system().get(pk=old.pk)
    assert (old.caller_name, old.phone, old.notes) == ("", "", "")
    assert (old.reason, old.identity_consent) == ("job_offer_abroad", True)  # what the statistics count stays
    for kept in (callback, recent, became_a_case):
        assert Contact.objects.system().get(pk=kept.pk).caller_name == "Leyla Quliyeva"
    assert AuditEvent.objects.get(action="hotline.contacts_blanked").details["contacts"] == 1
    assert services.run_retention(today=TODAY).contacts == 0  # nothing left to blank


def _stored_contact(contact):
    from django.db import connection

    with connection.cursor() as c:
        c.execute('SELECT "caller_name", "phone", "notes", "data_key_id" FROM "hotline_contact" WHERE id = %s',
                  [contact.pk])
        return c.fetchone()


def test_a_forgotten_hotline_contact_is_crypto_shredded_so_a_backup_loses_it_too(cast,
                                                                               django_capture_on_commit_callbacks):
    """The caller's details are sealed under a key of the contact's own; the retention run destroys it, so the
    values a backup taken before holds open with no key; after a restore `nicat retention reapply` blanks the
    restored contact from the erasure ledger. An anonymous contact gets no key."""
    from django.db import connection

    from nicat.hotline.models import Contact
    from nicat.hotline.services import record_contact
    from nicat.privacy import personkeys
    from nicat.privacy.crypto import DecryptionError, keyring
    from tests.support.world import make_institution

    hotline = make_institution("hotline-152", "hotline", name_az="152", phone="152")
    operator = make_user("operator", hotline, Role.HOTLINE_OPERATOR)
    anonymous = record_contact(actor=operator, data={"reason": "information"})
    assert _stored_contact(anonymous)[3] == ""
    contact = record_contact(actor=operator, data={"reason": "information", "identity_consent": True,
                                                   "caller_name": "Leyla Quliyeva", "phone": "+994 50 111 22 33",
                                                   "notes": "Calls from her employer's flat in Dubai"})
    backup = _stored_contact(contact)  # what a backup taken now holds
    kid = backup[3]
    assert kid and all(value.startswith(f"enc2:{kid}:") for value in backup[:3])
    with pytest.raises(DecryptionError):  # the field keys alone do not open them
        keyring().decrypt(backup[0], "hotline_contact.caller_name")
    Contact.objects.system().filter(pk=contact.pk).update(started_at=timezone.now() - datetime.timedelta(days=800))

    with django_capture_on_commit_callbacks(execute=True):
        assert services.run_retention().contacts == 1
    assert _stored_contact(contact) == ("", "", "", "")
    assert personkeys.read_ledger() == [kid]
    personkeys.forget_cache()
    with pytest.raises(personkeys.KeyErased):
        personkeys.decrypt(backup[0], "hotline_contact.caller_name")

    # a restore from that backup: the row and its wrapped key come back; reapply forgets them again
    with connection.cursor() as c:
        c.execute('UPDATE "hotline_contact" SET "caller_name" = %s, "phone" = %s, "notes" = %s, "data_key_id" = %s '
                  'WHERE id = %s', [*backup, contact.pk])
    call_command("retention", "reapply", stdout=io.StringIO())
    assert _stored_contact(contact) == ("", "", "", "")
    assert AuditEvent.objects.filter(action="retention.reapply").last().details["hotline_contacts_blanked"] == 1
    # the contact can be written to again (a new key), and reads back
    contact = Contact.objects.system().get(pk=contact.pk)
    contact.notes = "Called again"
    contact.save()
    assert Contact.objects.system().get(pk=contact.pk).notes == "Called again"
    assert _stored_contact(contact)[3] not in ("", kid)


def test_a_hotline_contact_that_became_a_case_is_forgotten_with_the_person(cast):
    from nicat.hotline.models import Contact
    from nicat.hotline.services import record_contact
    from nicat.persons.erasure import erase_person
    from nicat.privacy import personkeys
    from tests.support.world import make_institution

    hotline = make_institution("hotline-152", "hotline", name_az="152", phone="152")
    operator = make_user("operator", hotline, Role.HOTLINE_OPERATOR)
    contact = record_contact(actor=operator, data={"reason": "information", "identity_consent": True,
                                                   "caller_name": "Leyla Quliyeva"})
    other = record_contact(actor=operator, data={"reason": "information", "identity_consent": True,
                                                 "caller_name": "Sevda Əliyeva"})
    case = cast.open_case()
    Contact.objects.system().filter(pk=contact.pk).update(case=case)
    stored = _stored_contact(contact)
    erase_person(actor=None, person=case.person, basis="request")
    assert _stored_contact(contact) == ("", "", "", "")
    # another caller's contact, linked to no case of this person, keeps its details and its key
    assert Contact.objects.system().get(pk=other.pk).caller_name == "Sevda Əliyeva"
    assert _stored_contact(other)[3]
    personkeys.forget_cache()
    with pytest.raises(personkeys.KeyErased):
        personkeys.decrypt(stored[0], "hotline_contact.caller_name")


def test_rotation_moves_older_hotline_contacts_under_a_key_of_their_own(cast):
    from django.db import connection

    from nicat.hotline.models import Contact
    from nicat.hotline.services import record_contact
    from nicat.privacy.crypto import keyring
    from tests.support.world import make_institution

    hotline = make_institution("hotline-152", "hotline", name_az="152", phone="152")
    operator = make_user("operator", hotline, Role.HOTLINE_OPERATOR)
    contact = record_contact(actor=operator, data={"reason": "information", "identity_consent": True,
                                                   "caller_name": "Leyla Quliyeva"})
    with connection.cursor() as c:  # as recorded before contacts had keys: under the field key, no key
        c.execute('UPDATE "hotline_contact" SET "caller_name" = %s, "data_key_id" = \'\' WHERE id = %s',
                  [keyring().encrypt("Leyla Quliyeva", "hotline_contact.caller_name"), contact.pk])
    call_command("keys", "rotate", stdout=io.StringIO(), stderr=io.StringIO())
    name, _phone, _notes, kid = _stored_contact(contact)
    assert kid and name.startswith(f"enc2:{kid}:")
    assert Contact.objects.system().get(pk=contact.pk).caller_name == "Leyla Quliyeva"


def test_reapply_without_a_ledger_says_so(settings, tmp_path):
    """After a restore, a missing ledger file must not read as "nobody was ever erased" in silence."""
    settings.NICAT_ERASURE_LEDGER = str(tmp_path / "missing" / "erased-person-keys.txt")
    out, err = io.StringIO(), io.StringIO()
    call_command("retention", "reapply", stdout=out, stderr=err)
    assert "No erasure ledger at" in err.getvalue() and "missing" in err.getvalue()
    assert "0 key ids" in out.getvalue()


def test_an_approved_correction_does_not_undo_a_change_made_since_the_request(cast, staff):
    """Law 7 (found by the seventh review): the person asks to correct her phone; before a supervisor decides, a
    colleague records the newer number she gave at her next visit. Approving the old request silently put the
    requested number back over it. Now the approval is refused with what changed, and nothing is written; a
    correction whose fields nobody touched since is applied as before."""
    from nicat.persons.services import update_person

    case = cast.open_case(person={"given_name": "Leyla", "family_name": "Həsənova", "phone": "+994 50 111 11 11"})
    request = services.record_request(actor=cast.worker, case=case, kind="correction", requested_on=TODAY,
                                      details="My phone is +994 50 222 22 22",
                                      corrections={"phone": "+994 50 222 22 22", "family_name": "Həsənli"})
    person = Person.objects.system().get(pk=case.person_id)
    update_person(actor=cast.worker, person=person, data={"phone": "+994 55 333 33 33"},
                  expected_version=person.version)
    supervisor = verified_login(Client(), staff["supervisor"])
    response = supervisor.post(reverse("retention:request_decide", args=[request.uuid]),
                               {"decision": "approve", "reason": "She asked", "version": request.version})
    assert response.status_code == 400 and "was changed in what it corrects" in response.content.decode()
    person.refresh_from_db()
    assert person.phone == "+994 55 333 33 33" and person.family_name == "Həsənova"
    request.refresh_from_db()
    assert request.status == "open"
    # the colleague's change agrees with the request (or nobody changed the field): approved and applied
    again = services.record_request(actor=cast.worker, case=case, kind="correction", requested_on=TODAY,
                                    details="My family name is Həsənli", corrections={"family_name": "Həsənli"})
    services.decide_request(actor=staff["supervisor"], data_request=request, approve=False, reason="Outdated",
                            expected_version=request.version)
    services.decide_request(actor=staff["supervisor"], data_request=again, approve=True, reason="Passport seen",
                            expected_version=again.version)
    person.refresh_from_db()
    assert person.family_name == "Həsənli" and person.phone == "+994 55 333 33 33"
