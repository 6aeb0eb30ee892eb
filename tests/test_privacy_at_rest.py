"""Proof of encryption at rest: a person registered with unique markers in every identifying field
(through the intake page, the API and the services: names, aliases, birth date, document number,
contacts, address, case summary, notes, trafficking events, break-glass reasons, restriction
orders, an uploaded document) leaves none of the markers in the raw database file (SQLite, with its
WAL), in a pg_dump (PostgreSQL), in the media directory, or in the captured logs. Errors provoked
with markers (bad form and API input, a 404 with a marker in the query string, a failed sign-in
with a marker as user name, a 500 from altered ciphertext) show no marker on error pages or in logs.
"""
import datetime
import io
import logging
import os
import secrets
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.support.world import term, verified_login

pytestmark = pytest.mark.django_db(transaction=True)

FIELDS = ("given", "family", "patronymic", "alias", "docnumber", "phone", "email", "address", "summary", "note",
          "place", "description", "apigiven", "apifamily", "apinote", "apiplace", "reason", "review", "court",
          "decision", "file", "bad", "query", "login", "edited", "error", "relgiven", "relfamily", "relphone",
          "relcontact", "relrisk", "measureaddress", "measurebody", "assessreasons", "safetyplan", "apirelgiven",
          "apirelphone", "apimeasureaddress",
          # suspected traffickers and criminal proceedings (nicat.proceedings)
          "perpgiven", "perpfamily", "perpalias", "perprole", "perporg", "ccnumber", "hearingcourt", "verdictcourt",
          "sentence", "confiscated", "offence", "authority",
          # daily work (nicat.work)
          "task", "apitask", "outcome", "approval")


@pytest.fixture
def markers():
    run = secrets.token_hex(3)
    return {f: f"QZX{run}{f}M" for f in FIELDS}


BIRTH_DATE = "1911-11-13"  # a date that appears nowhere else


def raw_database_bytes():
    if connection.vendor == "sqlite":
        name = connection.settings_dict["NAME"]
        data = b""
        for suffix in ("", "-wal", "-journal"):
            path = Path(f"{name}{suffix}")
            if path.exists():
                data += path.read_bytes()
        assert len(data) > 100_000, "the test database file is suspiciously small"
        return data
    if connection.vendor == "postgresql":
        pg_dump = shutil.which("pg_dump")
        assert pg_dump, "pg_dump is required for the PostgreSQL at-rest scan"
        s = connection.settings_dict
        env = {**os.environ, "PGPASSWORD": s.get("PASSWORD") or ""}
        cmd = [pg_dump, "--no-owner", "-h", s.get("HOST") or "127.0.0.1", "-p", str(s.get("PORT") or 5432),
               "-U", s.get("USER") or "postgres", s["NAME"]]
        result = subprocess.run(cmd, env=env, capture_output=True, timeout=300)
        assert result.returncode == 0, result.stderr.decode()
        assert b"COPY public.persons_person" in result.stdout
        return result.stdout
    pytest.fail(f"no raw scan for {connection.vendor}")


def media_bytes(root):
    data = b""
    for path in Path(root).rglob("*"):
        if path.is_file():
            data += path.read_bytes() + path.name.encode()
    return data


def found(markers, blob, extra=(BIRTH_DATE,)):
    if isinstance(blob, str):
        blob = blob.encode("utf-8", "replace")
    return [m for m in list(markers.values()) + list(extra) if m.encode() in blob]


def test_no_marker_at_rest_nor_in_logs(cast, markers, settings, tmp_path, caplog, capfd):
    from nicat.access import services as access
    from nicat.accounts.models import Role
    from nicat.cases.models import Case
    from nicat.persons.models import Person
    from nicat.privacy.storage import encrypted_storage, random_name
    from tests.support.world import make_user

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NICAT_REQUIRE_2FA = True
    settings.AXES_ENABLED = True
    caplog.set_level(logging.DEBUG)
    m = markers

    client = verified_login(Client(raise_request_exception=False), cast.worker)

    # 1. The intake page, with a marker in every identifying field.
    response = client.post(reverse("cases:new"), {
        "person-family_name": m["family"], "person-given_name": m["given"], "person-patronymic": m["patronymic"],
        "person-aliases": m["alias"], "person-birth_date": BIRTH_DATE,
        "person-document_type": term("document_type", "passport").pk if _has_term("document_type", "passport")
        else _first("document_type").pk,
        "person-document_number": m["docnumber"], "person-phone": m["phone"],
        "person-email": f"{m['email']}@example.org", "person-address": m["address"],
        "case-came_to_notice": "hotline", "case-first_contact_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "case-scope": "transnational", "case-summary": m["summary"],
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.visible_to(cast.worker).get()
    assert case.person.given_name == m["given"] and case.person.documents[0]["number"] == m["docnumber"]

    # 2. A note and a trafficking event through the pages, an edit of the summary.
    assert client.post(reverse("cases:note_add", args=[case.uuid]), {"text": m["note"]}).status_code == 302
    assert client.post(reverse("cases:event_add", args=[case.uuid]), {
        "event-kind": "Exploitation", "event-country": term("country", "TR").pk, "event-place": m["place"],
        "event-description": m["description"], "event-date_from": "2025-01-01"}).status_code == 302
    page = client.get(reverse("cases:detail", args=[case.uuid])).content.decode()
    assert m["given"] in page and m["note"] in page and m["place"] in page  # readable where allowed

    # 3. The API: a person, a note, an event.
    from rest_framework.test import APIClient

    from nicat.accounts.tokens import issue_token

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=cast.worker)}")
    r = api.post("/api/v1/cases/", {"person": {"given_name": m["apigiven"], "family_name": m["apifamily"]},
                                    "summary": m["edited"]}, format="json")
    assert r.status_code == 201, r.content
    api_case = r.json()["uuid"]
    assert api.post(f"/api/v1/cases/{api_case}/notes/", {"text": m["apinote"]}, format="json").status_code == 201
    assert api.post(f"/api/v1/cases/{api_case}/events/", {"kind": "Transit", "place": m["apiplace"]},
                    format="json").status_code == 201

    # 4. Break-glass with a reason and its review; a restriction order; an uploaded document.
    sup = make_user("sup", cast.main_department, Role.SUPERVISOR)
    ngo_sup = make_user("ngo.sup", cast.ngo, Role.SUPERVISOR)
    opening = access.open_break_glass(actor=sup, case_reference=case.reference, reason=f"{m['reason']} " * 3)
    access.review_break_glass(actor=ngo_sup, opening=opening, note=m["review"])
    other = cast.open_case()
    access.record_restriction_order(actor=cast.officer, case_reference=other.reference, issued_by="court",
                                    issuing_body=m["court"], decision_reference=m["decision"],
                                    decided_on=timezone.localdate(), allowed_roles=[Role.CASE_WORKER])
    storage = encrypted_storage()
    stored_name = storage.save(random_name(case, f"passport_{m['file']}.pdf"),
                               io.BytesIO(b"%PDF-1.7\n" + m["file"].encode() + b"\n%%EOF"))
    assert m["file"].encode() in storage.open(stored_name).read()

    # 4b. Safety: an assessment with its plan, a relative at risk and a security measure, through the
    # pages and the API (the phone marker is digits, as a phone number is).
    from nicat.safety import services as safety

    ngo_supervisor = make_user("ngo.safety.sup", cast.ngo, Role.SUPERVISOR)
    relphone = "+994 " + "".join(str(ord(c) % 10) for c in m["relphone"])[:9]
    assert client.post(reverse("safety:assess", args=[case.uuid]), {
        "occasion": "intake", "level": "high", "factors": ["traffickers"], "reasons": m["assessreasons"],
        "review_on": (timezone.localdate() + datetime.timedelta(days=10)).isoformat()}).status_code == 302
    assessment = safety.current_assessment(case)
    safety.write_safety_plan(actor=cast.worker, assessment=assessment, plan=m["safetyplan"],
                             expected_version=assessment.version)
    assert client.post(reverse("safety:relative_add", args=[case.uuid]), {
        "relation": "sibling", "given_name": m["relgiven"], "family_name": m["relfamily"], "phone": relphone,
        "contact": m["relcontact"], "risk": "high", "risk_notes": m["relrisk"]}).status_code == 302
    sup_client = verified_login(Client(raise_request_exception=False), ngo_supervisor)
    assert sup_client.post(reverse("safety:measure_add", args=[case.uuid]), {
        "kind": "confidential_address", "address": m["measureaddress"], "responsible_body": m["measurebody"],
        "person_view": "agrees", "starts_on": timezone.localdate().isoformat(),
        "review_on": (timezone.localdate() + datetime.timedelta(days=10)).isoformat()}).status_code == 302
    shown = sup_client.post(reverse("safety:measures", args=[case.uuid]), {"reason": "At-rest scan check"})
    assert m["measureaddress"] in shown.content.decode()  # readable where allowed
    sup_api = APIClient()
    sup_api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=ngo_supervisor)}")
    assert sup_api.post("/api/v1/relatives-at-risk/", {
        "case": str(case.uuid), "relation": "helper", "given_name": m["apirelgiven"], "risk": "medium",
        "phone": "+994 " + "".join(str(ord(c) % 7) for c in m["apirelphone"])[:9]}, format="json").status_code == 201
    assert sup_api.post("/api/v1/security-measures/", {
        "case": str(case.uuid), "kind": "relocation", "address": m["apimeasureaddress"], "responsible_body": "Police",
        "person_view": "agrees", "starts_on": timezone.localdate().isoformat(),
        "review_on": (timezone.localdate() + datetime.timedelta(days=10)).isoformat()},
        format="json").status_code == 201
    relphone_digits = "".join(c for c in relphone if c.isdigit())

    # 4c. A suspected trafficker, the criminal case, a hearing, the verdict and a request for release from
    # liability, through the API of the proceedings (law enforcement).
    police_case = cast.open_case(actor=cast.officer)
    police = APIClient()
    police.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=cast.officer)}")
    r = police.post("/api/v1/proceedings/perpetrators/", {
        "case": str(police_case.uuid), "given_name": m["perpgiven"], "family_name": m["perpfamily"],
        "aliases": [m["perpalias"]], "roles": ["recruiter"], "role_details": m["perprole"],
        "organisation": m["perporg"]}, format="json")
    assert r.status_code == 201, r.content
    r = police.post("/api/v1/proceedings/criminal-cases/", {
        "case": str(police_case.uuid), "number": m["ccnumber"], "articles": ["144-1"],
        "investigating_body": str(cast.main_department.uuid), "opened_on": "2025-01-10", "stage": "in_court"},
        format="json")
    assert r.status_code == 201, r.content
    cc = r.json()
    assert police.post("/api/v1/proceedings/hearings/", {
        "criminal_case": cc["uuid"], "court": m["hearingcourt"], "starts_at": "2025-03-01T10:00:00+04:00"},
        format="json").status_code == 201
    assert police.post(f"/api/v1/proceedings/criminal-cases/{cc['uuid']}/verdict/", {
        "verdict_on": "2025-04-01", "verdict_court": m["verdictcourt"], "verdict_outcome": "conviction",
        "sentence_summary": m["sentence"], "confiscation_description": m["confiscated"], "version": cc["version"]},
        format="json").status_code == 200
    assert police.post("/api/v1/proceedings/release-requests/", {
        "case": str(police_case.uuid), "liability": "administrative", "offence": m["offence"],
        "requested_on": "2025-02-01", "authority": m["authority"]}, format="json").status_code == 201
    listed = police.post("/api/v1/proceedings/perpetrators/search/",
                         {"name": f"{m['perpgiven']} {m['perpfamily']}"}, format="json")
    assert [p["family_name"] for p in listed.json()["results"]] == [m["perpfamily"]]  # readable, found by index
    # 4c. Daily work (issue 15): a task through the page and the API, its outcome, an approval's note.
    from nicat.work import services as work
    from nicat.work.models import Task

    assert client.post(reverse("work:task_new", args=[case.uuid]), {
        "kind": "task", "title": m["task"], "due_on": timezone.localdate().isoformat()}).status_code == 302
    r = api.post("/api/v1/tasks/", {"case": str(case.uuid), "title": m["apitask"]}, format="json")
    assert r.status_code == 201, r.content
    task = Task.objects.visible_to(cast.worker).get(uuid=r.json()["uuid"])
    work.complete_task(actor=cast.worker, task=task, outcome=m["outcome"], version=task.version)
    work.update_settings(actor=ngo_sup, institution=cast.ngo, data={"break_glass": True}, version=0)
    access.open_break_glass(actor=sup, case_reference=cast.open_case().reference,
                            reason="An emergency that cannot wait for the owner to answer the phone.")
    from nicat.work.models import Approval

    review = Approval.objects.system().filter(kind="break_glass").get()
    work.decide_approval(actor=ngo_sup, approval=review, approve=True, note=m["approval"], version=review.version)

    # 5. Errors provoked with markers.
    bad = client.post(reverse("cases:new"), {"person-given_name": m["bad"], "person-email": f"{m['bad']}@@",
                                             "case-first_contact_at": "not a date"})
    assert bad.status_code in (200, 400)
    assert api.post("/api/v1/persons/", {"given_name": m["bad"], "email": f"{m['bad']}@@",
                                         "birth_date": m["bad"]}, format="json").status_code == 400
    not_found = client.get(f"/cases/{uuid.uuid4()}/", {"q": m["query"]})
    assert not_found.status_code == 404 and not found(markers, not_found.content)
    api_404 = api.get(f"/api/v1/cases/{uuid.uuid4()}/", {"q": m["query"]})
    assert api_404.status_code == 404 and not found(markers, api_404.content)
    foreign = cast.open_case(actor=cast.worker2)
    assert client.get(reverse("cases:detail", args=[foreign.uuid]), {"q": m["query"]}).status_code == 404
    anonymous = Client()
    failed = anonymous.post(reverse("web:login"), {"username": m["login"], "password": m["login"]})
    assert failed.status_code == 200 and not found(markers, failed.content.decode().replace(
        f'value="{m["login"]}"', ""))
    # A 500: an altered ciphertext must fail loudly, and show and log no plaintext.
    with connection.cursor() as cursor:
        cursor.execute('SELECT "summary" FROM "cases_case" WHERE id = %s', [case.pk])
        sealed = cursor.fetchone()[0]
        cursor.execute('UPDATE "cases_case" SET "summary" = %s WHERE id = %s', [sealed[:-4] + "AAAA", case.pk])
    error = client.get(reverse("cases:detail", args=[case.uuid]), {"q": m["error"]})
    assert error.status_code == 500 and not found(markers, error.content)

    # The proof: nothing in the database's raw bytes, the media directory or the logs.
    raw = raw_database_bytes()
    assert b"enc1:" in raw
    assert Person.objects.system().count() >= 2
    leaks = found(markers, raw, extra=(BIRTH_DATE, relphone_digits[-9:], relphone))
    assert not leaks, f"markers in the raw database ({connection.vendor}): {leaks}"
    assert not found(markers, media_bytes(settings.MEDIA_ROOT)), "markers in the media directory"
    out, err = capfd.readouterr()
    logs = caplog.text + out + err
    assert "Internal Server Error" in logs and "DecryptionError" in logs  # the 500 was logged, without values
    assert not found(markers, logs), f"markers in the logs: {found(markers, logs)}"


def _has_term(vocabulary, code):
    from nicat.vocab.models import Term

    return Term.objects.filter(vocabulary=vocabulary, code=code).exists()


def _first(vocabulary):
    from nicat.vocab.models import Term

    return Term.objects.filter(vocabulary=vocabulary).first()


def test_sqlite_scan_would_see_plaintext(cast, markers):
    """The scan itself works: a value written in plain text (bypassing the fields) is found."""
    if connection.vendor != "sqlite":
        pytest.skip("the control runs on SQLite")
    case = cast.open_case()
    with connection.cursor() as cursor:
        cursor.execute('UPDATE "cases_case" SET "summary" = %s WHERE id = %s', [markers["summary"], case.pk])
    assert found(markers, raw_database_bytes()) == [markers["summary"]]
    assert datetime.date.fromisoformat(BIRTH_DATE)


HOTLINE_FIELDS = ("hlname", "hlphone", "hlsafe", "hlplace", "hlnotes", "apiname", "apiplace", "apinotes", "webwhat",
                  "websafe", "linkname")


def test_hotline_contacts_leave_no_marker_at_rest_nor_in_logs(cast, settings, caplog, capfd):
    """Issue 16: a contact recorded through the desk's page, the API and the public "ask for help" form, and a
    duplicate search for a link, with a marker in every identifying field: none reaches the raw database
    (SQLite file or pg_dump), the logs, the alert e-mail or the thank-you page."""
    from django.core import mail, signing
    from rest_framework.test import APIClient

    from nicat.accounts.models import Role
    from nicat.accounts.tokens import issue_token
    from nicat.hotline.models import Contact
    from nicat.hotline.views import STAMP_SALT
    from tests.support.world import make_institution, make_user

    settings.NICAT_NOTIFICATION_EMAIL = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cast.main_department.email = "duty@example.org"
    cast.main_department.save()
    caplog.set_level(logging.DEBUG)
    run = secrets.token_hex(3)
    m = {f: f"QZX{run}{f}M" for f in HOTLINE_FIELDS}
    hotline = make_institution("hotline-152", "hotline")
    operator = make_user("hl.operator", hotline, Role.HOTLINE_OPERATOR)
    client = verified_login(Client(raise_request_exception=False), operator)

    response = client.post(reverse("hotline:new"), {
        "channel": "call", "started_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "caller_type": "relative",
        "reason": "danger_now", "outcome": "answered", "identity_consent": "on", "caller_name": m["hlname"],
        "phone": m["hlphone"], "safe_contact": m["hlsafe"], "location": m["hlplace"], "notes": m["hlnotes"]})
    assert response.status_code == 302, response.content.decode()[:2000]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=operator)}")
    r = api.post("/api/v1/calls/", {"identity_consent": True, "caller_name": m["apiname"], "location": m["apiplace"],
                                    "notes": m["apinotes"], "reason": "help"}, format="json")
    assert r.status_code == 201, r.content
    thanks = Client().post(reverse("hotline:ask_for_help"), {
        "what": m["webwhat"], "contact": m["websafe"],
        "stamp": signing.dumps(timezone.now().timestamp() - 60, salt=STAMP_SALT)}, follow=True)
    assert thanks.status_code == 200 and not found(m, thanks.content)
    contact = Contact.objects.visible_to(operator).get(reason="danger_now")
    assert contact.notes == m["hlnotes"] and Contact.objects.system().count() == 3
    page = client.get(reverse("hotline:detail", args=[contact.uuid])).content.decode()
    assert m["hlname"] in page and m["hlplace"] in page  # readable where allowed
    search = client.post(reverse("hotline:link", args=[contact.uuid]), {"family_name": m["linkname"]})
    assert search.status_code == 200
    assert mail.outbox and not found(m, "".join(e.subject + e.body for e in mail.outbox))

    raw = raw_database_bytes()
    assert b"enc1:" in raw
    leaks = found(m, raw, extra=())
    assert not leaks, f"hotline markers in the raw database ({connection.vendor}): {leaks}"
    out, err = capfd.readouterr()
    logs = caplog.text + out + err
    assert not found(m, logs, extra=()), f"markers in the logs: {found(m, logs, extra=())}"
