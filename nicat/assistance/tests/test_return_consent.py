"""A voluntary return and family tracing are measures the person decides on (law: no measure against the
victim's will): a recorded refusal stops their preparation, and a withdrawal ends what rested on it at once."""
from django.urls import reverse
from django.utils import timezone

from nicat.assistance.models import FamilyReunification, ReturnPlan
from tests.support.world import term


def _post_return(worker, case, **extra):
    return worker.post("/api/v1/returns/", {
        "case": str(case.uuid), "direction": "voluntary_return", "country": "UZ",
        "receiving_organisation_name": "IOM Tashkent", **extra}, format="json")


def test_a_voluntary_return_is_not_prepared_against_the_persons_refusal_or_after_a_withdrawal(world, api, client):
    case = world.adult(citizenships=[term("country", "UZ")])
    worker = api(world.cast.worker)
    world.consent(case, "return", decision="refused")
    r = _post_return(worker, case, documents_status="in_progress", travel_date=str(timezone.localdate()))
    assert r.status_code == 400, r.json()
    assert "refused" in " ".join(r.json()["consent"])
    client.force_login(world.cast.worker)
    r = client.post(reverse("assistance:return_add", args=[case.uuid]), {
        "direction": "voluntary_return", "country": term("country", "UZ").pk,
        "receiving_organisation_name": "IOM Tashkent"})
    assert r.status_code == 400 and "refused consent" in r.content.decode()
    assert not ReturnPlan.objects.system().filter(case=case).exists()

    # The person agrees later: the return is prepared.
    consent = world.consent(case, "return")
    r = _post_return(worker, case)
    assert r.status_code == 201, r.json()
    plan = ReturnPlan.objects.system().get(uuid=r.json()["uuid"])

    # She withdraws her consent: the return being prepared ends with it, and nothing more is arranged.
    r = worker.post(f"/api/v1/consents/{consent.uuid}/withdraw/", {"note": "Wants to stay."}, format="json")
    assert r.status_code == 200, r.json()
    plan.refresh_from_db()
    assert plan.status == "cancelled"
    r = worker.patch(f"/api/v1/returns/{plan.uuid}/", {"version": plan.version, "travel_date":
                                                        str(timezone.localdate())}, format="json")
    assert r.status_code == 400
    plan.refresh_from_db()
    assert plan.travel_date is None


def test_family_tracing_needs_the_consent_in_force_and_a_withdrawal_ends_it(world, api):
    case = world.adult()
    worker = api(world.cast.worker)
    consent = world.consent(case, "family_contact")
    r = worker.post("/api/v1/family-reunifications/", {"case": str(case.uuid), "family_member": "Mother, Ganja"},
                    format="json")
    assert r.status_code == 201, r.json()
    item = FamilyReunification.objects.system().get(uuid=r.json()["uuid"])
    # Another family member, traced with the same consent.
    r = worker.post("/api/v1/family-reunifications/", {"case": str(case.uuid), "family_member": "Brother, Sumqayit"},
                    format="json")
    other = FamilyReunification.objects.system().get(uuid=r.json()["uuid"])
    r = worker.patch(f"/api/v1/family-reunifications/{other.uuid}/", {"version": other.version, "status": "tracing"},
                     format="json")
    assert r.status_code == 200, r.json()

    r = worker.post(f"/api/v1/consents/{consent.uuid}/withdraw/", {"note": "Does not want them to know."},
                    format="json")
    assert r.status_code == 200, r.json()
    item.refresh_from_db()
    other.refresh_from_db()
    assert (item.status, other.status) == ("withdrawn", "withdrawn")

    # Tracing the family again is refused while the person does not consent.
    r = worker.patch(f"/api/v1/family-reunifications/{item.uuid}/", {"version": item.version, "status": "tracing"},
                     format="json")
    assert r.status_code == 400, r.json()
    assert "consent" in r.json()
    item.refresh_from_db()
    assert item.status == "withdrawn"
