"""Suspected traffickers and criminal proceedings in the HTCDS exchange: the HTCDS perpetrator fields
(prs_ names, per_RoleInProcess, per_RoleDetails, per_Organisation, vic_RelationshipToTrafficker) carry
the standard's exact values, and the suspects, criminal cases, hearings, verdict and release requests
round-trip through an export, an import into an empty database and a second export."""
import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from nicat.exchange.tests.test_htcds import _empty_database, _export, _record, _write


def _world(cast):
    from nicat.proceedings import services
    from nicat.proceedings.demo import case_in_court, term
    from nicat.safety.demo import assess_for_court

    case = cast.open_case(actor=cast.officer)
    cc, perpetrator, hearing = case_in_court(officer=cast.officer, case=case,
                                             investigating_body=cast.main_department, before_appearance=assess_for_court)
    services.add_perpetrator(actor=cast.officer, case=case, data={
        "family_name": "Петров", "roles": [term("perpetrator_role", "transporter")],
        "relation": term("trafficker_relation", "stranger"), "organisation": "Route group"})
    services.record_verdict(actor=cast.officer, criminal_case=cc, expected_version=cc.version, data={
        "verdict_on": timezone.localdate(), "verdict_court": "Bakı Ağır Cinayətlər Məhkəməsi",
        "verdict_outcome": "conviction", "sentence_summary": "9 years", "confiscation_amount": "12000.50",
        "confiscation_description": "A flat in Sumqayıt"})
    services.request_release(actor=cast.officer, case=case, data={
        "criminal_case": cc, "liability": "administrative", "offence": "Worked without a permit",
        "requested_on": timezone.localdate() - datetime.timedelta(days=3), "authority": "State Migration Service"})
    return case


@pytest.mark.django_db(transaction=True)
def test_perpetrators_and_proceedings_round_trip(cast, tmp_path):
    _world(cast)
    first = _export(tmp_path, "first.json")
    first_csv = _export(tmp_path, "first.csv")
    record = next(c for c in json.loads(first)["cases"] if c["nct_Proceedings"])
    suspects = {p["prs_SecondName"]: p for p in record["nct_Perpetrators"]}
    assert sorted(suspects["Qasımov"]["per_RoleInProcess"]) == ["ControlledIndividual", "RecruiterOrIntermediary"]
    assert suspects["Qasımov"]["vic_RelationshipToTrafficker"] == "Acquainted"
    assert suspects["Qasımov"]["prs_Citizenship"] == ["AZ"] and suspects["Qasımov"]["prs_Gender"] == "Masculine"
    assert suspects["Петров"]["per_RoleInProcess"] == ["Transporter"]
    assert suspects["Петров"]["vic_RelationshipToTrafficker"] == "Unaquainted"
    assert suspects["Петров"]["per_Organisation"] == "Route group"
    cc = record["nct_Proceedings"][0]
    assert cc["nct_Number"] == "2026/144-0071" and cc["nct_Stage"] == "verdict"
    assert cc["nct_Articles"] == ["nct:144-1"]
    assert cc["nct_Perpetrators"] == [suspects["Qasımov"]["nct_Id"]]
    assert [s["nct_To"] for s in cc["nct_StageChanges"]] == ["inquiry", "preliminary_investigation", "in_court",
                                                             "verdict"]
    assert cc["nct_Hearings"][0]["nct_Appearance"]["nct_Mode"] == "video"
    assert cc["nct_Verdict"]["nct_ConfiscationAmount"] == "12000.50"
    assert record["nct_ReleaseRequests"][0]["nct_CriminalCase"] == cc["nct_Id"]

    _empty_database()
    call_command("htcds", "import", str(tmp_path / "first.json"), stdout=io.StringIO(), stderr=io.StringIO())
    assert _export(tmp_path, "second.json") == first
    from nicat.proceedings.models import Perpetrator
    from nicat.proceedings.services import name_index

    # The imported suspects are found through the blind index, as the recorded ones are.
    assert Perpetrator.objects.system().filter(name_index=name_index("Rauf", "Qasimov", "")).count() == 1

    _empty_database()
    data = json.loads(first)
    orgs_only = tmp_path / "orgs.json"
    orgs_only.write_text(json.dumps({"standard": "HTCDS 2.0", "organisations": data["organisations"], "cases": []}),
                         encoding="utf-8")
    call_command("htcds", "import", str(orgs_only), stdout=io.StringIO(), stderr=io.StringIO())
    call_command("htcds", "import", str(tmp_path / "first.csv"), stdout=io.StringIO(), stderr=io.StringIO())
    assert _export(tmp_path, "second.csv") == first_csv


@pytest.mark.django_db
def test_a_file_from_elsewhere_with_the_htcds_relation_only(cast, tmp_path):
    """Another system's perpetrator with only the standard's fields is read; invalid values are refused
    with the row and the field, and nothing is written."""
    from nicat.exchange.services import InvalidFile, import_file
    from nicat.proceedings.models import Perpetrator

    good = _record(nct_Perpetrators=[{"prs_SecondName": "Aliyev", "per_RoleInProcess": ["Exploiter"],
                                      "vic_RelationshipToTrafficker": "Familial"}])
    import_file(actor=cast.admin, text=_write(tmp_path, [good]).read_text(), fmt="json")
    p = Perpetrator.objects.system().get()
    assert p.family_name == "Aliyev" and p.relation.code == "family" and [r.code for r in p.roles.all()] == [
        "exploiter"]
    bad = _record(nct_Perpetrators=[{"prs_SecondName": "X", "per_RoleInProcess": ["Wizard"]}],
                  nct_Proceedings=[{"nct_Number": "", "nct_InvestigatingBody": "nowhere", "nct_OpenedOn": "2026-01-01",
                                    "nct_Perpetrators": ["3f1d2c9e-0000-4000-8000-000000000000"]}])
    with pytest.raises(InvalidFile) as error:
        import_file(actor=cast.admin, text=_write(tmp_path, [bad], "bad.json").read_text(), fmt="json")
    text = " | ".join(str(p) for p in error.value.problems)
    assert "nct_Perpetrators[0].per_RoleInProcess" in text and "nct_Proceedings[0].nct_InvestigatingBody" in text
    assert "nct_Proceedings[0].nct_Number" in text and "nct_Proceedings[0].nct_Perpetrators" in text
    assert Perpetrator.objects.system().count() == 1
