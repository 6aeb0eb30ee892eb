"""The reason a supervisor gives to open a case's security measures is free text about the danger the person is
in (who threatens her, where she is hidden); it is kept in the audit event, and the supervisors reading the
trail read it there. Found by the eighth review: it was stored in the trail's `reason` column as typed — the one
free text about a victim that reached the database in plain text. It is sealed now (under the person's data key,
like the trail's copies of encrypted fields), and the trail's pages open it for the same readers as before."""
import datetime

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.safety import services
from tests.support.referrals import build_world
from tests.support.world import make_user

pytestmark = pytest.mark.django_db

REASON = "Zaur Quliyev, the recruiter, was seen near the QZXsafehouseM shelter."


@pytest.fixture
def world(cast):
    w = build_world(cast)
    w.ngo_supervisor = make_user("ngo.supervisor", cast.ngo, Role.SUPERVISOR)
    return w


def _raw_reasons():
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT reason FROM {table}")
        return [row[0] for row in cursor.fetchall()]


def test_the_reason_for_reading_security_measures_is_not_stored_in_plain_text(world, api):
    case = world.open_case()
    services.add_security_measure(actor=world.ngo_supervisor, case=case, data={
        "kind": "confidential_address", "address": "Gizli ünvan 9, Gəncə", "responsible_body": "Baş İdarə",
        "person_view": "agrees", "starts_on": timezone.localdate(), "review_on": timezone.localdate() + datetime.timedelta(days=60)})
    client = Client()
    client.force_login(world.ngo_supervisor)
    shown = client.post(reverse("safety:measures", args=[case.uuid]), {"reason": REASON})
    assert shown.status_code == 200 and "Gizli ünvan 9, Gəncə" in shown.content.decode()
    listed = api(world.ngo_supervisor).get("/api/v1/security-measures/", {"case": str(case.uuid), "reason": REASON})
    assert listed.status_code == 200
    assert AuditEvent.objects.filter(action="security.list").count() == 2
    leaked = [r for r in _raw_reasons() if "QZXsafehouseM" in r]
    assert not leaked, "the reason (naming the trafficker and the shelter) is in the audit table in plain text"
    # The supervisors reading the trail still read it.
    trail = client.get(reverse("audit:case", args=[case.uuid]))
    assert trail.status_code == 200 and trail.content.decode().count("QZXsafehouseM") == 2
