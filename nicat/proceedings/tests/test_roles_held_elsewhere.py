"""A role counts at the institution where it is held (docs/security.md, "A case worker of the owning NGO who is a
supervisor at another NGO"): an NGO never sees the investigation file, not even on a case it owns. Its case worker
who also holds a police role at another law-enforcement body read the suspects the Main Department recorded on the
NGO's own case through the API (list, `?case=`, record, search by name) — the lists pooled the roles of all the
user's institutions (found by a review; failed before)."""
import pytest

from nicat.access import policy
from nicat.accounts.models import Membership, Role, User
from nicat.consent.models import Purpose
from nicat.proceedings import services
from nicat.proceedings.tests.helpers import fresh
from nicat.referrals import services as referral_services
from nicat.vocab.models import Term
from tests.support.referrals import consent, referral_data
from tests.support.world import make_institution

pytestmark = pytest.mark.django_db

SUSPECT = ("Rauf", "Qasımov")


def test_a_police_role_held_elsewhere_opens_no_investigation_file_of_the_ngos_own_case(cast, api):
    case = cast.open_case(actor=cast.worker)  # the NGO's case, referred to the police for the investigation
    consent(cast.worker, case, Purpose.LAW_ENFORCEMENT, cast.main_department)
    referral = referral_services.create_referral(actor=cast.worker, case=case, data=referral_data(
        cast.main_department, purpose=Purpose.LAW_ENFORCEMENT, shared_sections=["identity", "investigation"]))
    referral_services.accept_referral(actor=cast.officer, referral=referral, expected_version=referral.version)
    suspect = services.add_perpetrator(actor=fresh(cast.officer), case=case, data={
        "given_name": SUSPECT[0], "family_name": SUSPECT[1],
        "roles": [Term.objects.filter(vocabulary="perpetrator_role").first()]})
    assert api(cast.worker).get("/api/v1/proceedings/perpetrators/").status_code == 403

    police = make_institution("regional-police", "law_enforcement", name_az="Regional polis idarəsi")
    Membership.objects.create(user=cast.worker, institution=police, role=Role.IDENTIFICATION_OFFICER)
    worker = User.objects.get(pk=cast.worker.pk)
    assert not policy.can_see_section(worker, case, "investigation")
    client = api(worker)
    for answer in (client.get("/api/v1/proceedings/perpetrators/"),
                   client.get("/api/v1/proceedings/perpetrators/", {"case": str(case.uuid)}),
                   client.post("/api/v1/proceedings/perpetrators/search/", {"name": " ".join(SUSPECT)},
                               format="json")):
        assert answer.status_code == 200
        assert answer.json()["results"] == [] and SUSPECT[1] not in answer.content.decode()
    assert client.get(f"/api/v1/proceedings/perpetrators/{suspect.uuid}/").status_code == 404
    # The officer of the Main Department, whom the referral shares it with, still reads it.
    body = api(cast.officer).get("/api/v1/proceedings/perpetrators/", {"case": str(case.uuid)}).json()
    assert [r["family_name"] for r in body["results"]] == [SUSPECT[1]]
