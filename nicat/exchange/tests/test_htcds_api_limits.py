"""What an HTCDS file through the API may not do, even for a supervisor of the competent authority (found by
review A; each test fails on the code before the fix):

- the export gives out a shelter's confidential address that the directory hides from the same supervisor;
- an import makes a recognised victim on a "decision" typed into the file (here, by an NGO), with no
  identification decision behind it;
- an import creates a new competent authority (whose supervisors approve legal bases, whose officers decide who
  is a victim), without the directory's service and without an audit event."""
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from nicat.audit.models import AuditEvent
from nicat.cases.models import Case

pytestmark = pytest.mark.django_db

HTCDS = "/api/v1/exchange/htcds/"
PURPOSE = "GRETA evaluation round, national coordinator"


@pytest.fixture
def world(cast):
    from tests.support.referrals import build_world

    return build_world(cast)


def _send(client, data):
    return client.post(HTCDS, {"file": SimpleUploadedFile(
        "in.json", json.dumps(data).encode(), content_type="application/octet-stream")}, format="multipart")


def _problems(answer):
    return {p["field"]: p["message"] for p in answer.json()["problems"]}


def test_the_htcds_export_keeps_the_shelters_address_confidential(world, api):
    world.open_case(actor=world.ca_supervisor)
    client = api(world.ca_supervisor)  # a supervisor of the Main Department, not an identification officer
    card = client.get(f"/api/v1/institutions/{world.shelter.uuid}/").json()
    assert card["address"] is None  # the directory's rule hides it from them
    got = client.get(HTCDS, {"format": "json", "purpose": PURPOSE})
    assert got.status_code == 200
    assert "Gizli küçə 7" not in got.content.decode("utf-8"), "the shelter's confidential address was exported"
    shelter = next(o for o in json.loads(got.content)["organisations"] if o["nct_Code"] == world.shelter.code)
    assert shelter["org_Name"] == world.shelter.name_az and shelter["org_ShippingStreet"] == ""
    event = AuditEvent.objects.get(action="htcds.export", actor=world.ca_supervisor)
    assert event.details["addresses_withheld"] >= 1


def test_an_import_cannot_recognise_a_victim_on_a_decision_typed_into_the_file(world, api):
    record = {"nct_OwnerInstitution": "ngo-one", "nct_FirstContact": "2026-01-05T10:00:00+00:00",
              "prs_FirstName": "Leyla", "prs_SecondName": "Əliyeva",
              "vic_TraffickingStatus": "ActualVictimOfTrafficking",
              "nct_StatusDecidedBy": "ngo-one", "nct_StatusDecidedOn": "2026-01-10"}
    client = api(world.ca_supervisor)
    before = Case.objects.system().count()
    sent = _send(client, {"cases": [record]})
    assert sent.status_code == 400, "a supervisor (no deciding role) made a recognised victim 'decided' by an NGO"
    assert "PossibleVictimOfTrafficking" in _problems(sent)["vic_TraffickingStatus"]  # says what to fix
    assert Case.objects.system().count() == before
    assert not AuditEvent.objects.filter(action="htcds.import").exists()
    # Even "decided" by the competent authority itself: the decision is recorded in Nicat, not typed in a file.
    sent = _send(client, {"cases": [{**record, "nct_StatusDecidedBy": world.main_department.code}]})
    assert sent.status_code == 400 and "vic_TraffickingStatus" in _problems(sent)
    # As the message says: imported as presumed, without a decision.
    presumed = {k: v for k, v in record.items() if not k.startswith(("vic_", "nct_Status"))}
    assert _send(client, {"cases": [presumed]}).status_code == 201
    case = Case.objects.system().order_by("-pk").first()
    assert case.trafficking_status == "PossibleVictimOfTrafficking" and case.status_decided_by_id is None


def test_an_import_cannot_create_a_competent_authority(world, api):
    from nicat.directory.models import Institution

    data = {"organisations": [{"nct_Code": "rogue-authority", "org_Name": "Rogue authority",
                               "org_Type": "LawEnforcement", "nct_CompetentAuthority": True}],
            "cases": [{"nct_OwnerInstitution": "rogue-authority", "nct_FirstContact": "2026-01-05T10:00:00+00:00",
                       "prs_FirstName": "Leyla"}]}
    client = api(world.ca_supervisor)
    sent = _send(client, data)
    assert sent.status_code == 400, "an import created an institution holding the competent-authority flag"
    assert "administrator" in _problems(sent)["organisations[0].nct_CompetentAuthority"]
    assert not Institution.objects.filter(code="rogue-authority").exists()
    # Without the flag, the institution is created through the directory's service, and audited.
    data["organisations"][0]["nct_CompetentAuthority"] = False
    assert _send(client, data).status_code == 201
    rogue = Institution.objects.get(code="rogue-authority")
    assert not rogue.is_competent_authority
    created = AuditEvent.objects.get(action="institution.create", object_id=str(rogue.uuid))
    assert created.actor == world.ca_supervisor and created.details["via"] == "htcds"


def test_an_import_cannot_make_a_private_clinic_an_authorised_provider(world, api):
    """Found by the sixth review: a registered non-profit is an authorised provider of services
    (provider_authorisation), so an import through the API that created a clinic with `nct_Nonprofit: true`
    opened the plan, the service log and service referrals (identity, health) to it. Like the competent
    authority, the registration is the administrator's, in the directory."""
    from nicat.assistance.services.plans import provider_authorisation
    from nicat.directory.models import Institution

    data = {"organisations": [{"nct_Code": "rogue-clinic", "org_Name": "Özəl klinika MMC",
                               "org_Type": "HealthServiceOrganisation", "nct_Nonprofit": True}],
            "cases": [{"nct_OwnerInstitution": "ngo-one", "nct_FirstContact": "2026-01-05T10:00:00+00:00",
                       "prs_FirstName": "Leyla"}]}
    client = api(world.ca_supervisor)
    sent = _send(client, data)
    assert sent.status_code == 400
    assert "administrator" in _problems(sent)["organisations[0].nct_Nonprofit"]
    assert not Institution.objects.filter(code="rogue-clinic").exists()
    data["organisations"][0]["nct_Nonprofit"] = False
    assert _send(client, data).status_code == 201
    rogue = Institution.objects.get(code="rogue-clinic")
    assert not rogue.is_nonprofit and not provider_authorisation(rogue, "medical")[0]


def test_an_htcds_export_is_in_the_access_trail_of_every_case_it_named(world, api):
    """Found by the eighth review: the export through the API puts the name, birth date, documents and contacts
    of every case the supervisor sees into a file, and its event listed the cases — but "who accessed this
    record" and the person's subject-access report did not count it, so neither named the exporter."""
    from nicat.audit.selectors import case_accessors, person_trail

    case = world.open_case(actor=world.officer)  # a colleague's case; the supervisor never opened it
    got = api(world.ca_supervisor).get(HTCDS, {"format": "json", "purpose": PURPOSE})
    assert got.status_code == 200
    exported = next(r for r in json.loads(got.content)["cases"] if r["nct_CaseId"] == str(case.uuid))
    assert exported["prs_FirstName"]  # the identity went out
    assert "ca.supervisor" in {row["actor_username"] for row in case_accessors(case=case)}
    assert person_trail(person=case.person).filter(actor=world.ca_supervisor, action="htcds.export").exists()


def test_the_purpose_of_an_htcds_export_is_not_stored_in_plain_text(world, api):
    """Found by the eighth review: the purpose (free text, often naming whom the file is for) was stored as typed
    in the trail's reason column; it is sealed now and opened for the trail's readers."""
    from django.db import connection

    from nicat.audit.services import reason_text

    purpose = "Request of the prosecutor about Leyla QZXpurposeM"
    assert api(world.ca_supervisor).get(HTCDS, {"format": "json", "purpose": purpose}).status_code == 200
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT reason FROM {table} WHERE action = %s", ["htcds.export"])
        stored = [row[0] for row in cursor.fetchall()]
    assert len(stored) == 1 and "QZXpurposeM" not in stored[0], "the export's purpose is in the trail as typed"
    assert reason_text(AuditEvent.objects.get(action="htcds.export").reason) == purpose


def test_a_case_brought_in_by_an_import_has_its_creation_in_its_trail(world, api):
    """Found by the eighth review: a supervisor of the Main Department imports a file with a case owned by an NGO;
    the case, its person, summary and notes were written with one `htcds.import` event naming the cases, which
    neither the case's trail nor the person's subject-access report looked at: the NGO's supervisor saw a case
    nobody had created."""
    from nicat.audit.selectors import case_trail, person_trail

    record = {"nct_OwnerInstitution": world.ngo.code, "nct_FirstContact": "2026-01-05T10:00:00+00:00",
              "prs_FirstName": "Leyla", "prs_SecondName": "Əliyeva", "nct_Summary": "Recruited for work abroad."}
    assert _send(api(world.ca_supervisor), {"cases": [record]}).status_code == 201
    case = Case.objects.system().select_related("person").order_by("-pk").first()
    assert case.owner_institution == world.ngo and case.person.given_name == "Leyla"
    assert case_trail(case=case).filter(action="htcds.import", actor=world.ca_supervisor).exists(), \
        "the imported case's trail does not say who brought it in"
    assert person_trail(person=case.person).filter(action="htcds.import").exists()
