"""Issue 14, item 8: five identical referrals sent at the same moment used to all succeed. One open
referral of a case to an institution per purpose: the others are refused with a clear 400, on SQLite
and PostgreSQL alike (a partial unique constraint, not only a check before the insert)."""
import time

import pytest

from nicat.accounts.models import User
from nicat.audit.models import AuditEvent
from nicat.cases.models import Case
from nicat.consent.models import Purpose
from nicat.referrals import services
from nicat.referrals.models import Referral
from tests.support.referrals import consent, referral_data
from tests.support.threads import race


@pytest.mark.django_db(transaction=True)
def test_five_identical_referrals_at_once_make_one(world, monkeypatch):
    case = world.open_case()
    consent(world.worker, case, Purpose.REFERRAL, world.shelter)
    # Widen the window between the check and the insert, as simultaneous requests have it: every thread
    # passes the check before any inserts, so only the database can refuse the copies.
    check = services.validate_referral_data

    def slow_check(*args, **kwargs):
        check(*args, **kwargs)
        time.sleep(0.5)

    monkeypatch.setattr(services, "validate_referral_data", slow_check)

    def send():
        worker = User.objects.get(pk=world.worker.pk)
        fresh = Case.objects.system().get(pk=case.pk)
        services.create_referral(actor=worker, case=fresh, data=referral_data(world.shelter))

    outcomes = race([send] * 5)
    assert outcomes.count("ok") == 1, outcomes
    assert all(o == "ok" or "already an open referral" in o for o in outcomes), outcomes
    assert Referral.objects.system().filter(case=case, to_institution=world.shelter).count() == 1
    assert AuditEvent.objects.filter(action="referral.create").count() == 1


def test_a_second_identical_referral_through_the_api_is_a_400(world, api):
    case = world.open_case()
    consent(world.worker, case, Purpose.REFERRAL, world.shelter)
    client = api(world.worker)
    body = {"case": str(case.uuid), "to_institution": str(world.shelter.uuid), "purpose": "referral",
            "urgency": "urgent", "message": "Needs a safe place tonight.", "shared_sections": ["identity"]}
    assert client.post("/api/v1/referrals/", body, format="json").status_code == 201
    again = client.post("/api/v1/referrals/", body, format="json")
    assert again.status_code == 400 and "already an open referral" in again.json()["to_institution"][0]
    assert Referral.objects.system().filter(case=case).count() == 1


def test_after_the_referral_is_closed_a_new_one_may_be_sent(world):
    case = world.open_case()
    consent(world.worker, case, Purpose.REFERRAL, world.shelter)
    first = services.create_referral(actor=world.worker, case=case, data=referral_data(world.shelter))
    services.cancel_referral(actor=world.worker, referral=first, reason="Sent to the wrong shelter by mistake.",
                             expected_version=first.version)
    second = services.create_referral(actor=world.worker, case=case, data=referral_data(world.shelter))
    assert second.pk != first.pk
