"""Free text and names of consent and referrals never reach the database (or the audit trail) in plain text."""
import datetime
import secrets

from django.db import connection
from django.utils import timezone

from nicat.audit.models import AuditEvent
from nicat.consent.models import Consent, GivenBy, LegalBasisUse
from nicat.consent.services import reject_legal_basis, use_legal_basis, withdraw_consent
from nicat.referrals import services
from nicat.referrals.models import Notification, Referral, ReferralEvent, ReturnPlan
from tests.support.referrals import PNG, consent, legal_basis_data, referral_data
from tests.support.world import term


def raw_rows(model):
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        return " ".join(str(row) for row in cursor.fetchall())


def test_nothing_identifying_in_plain_text(world):
    m = {k: f"QZX{secrets.token_hex(3)}{k}" for k in (
        "rep", "relation", "view", "note", "withdrawal", "message", "decline", "progress", "complete", "point",
        "travel", "reception", "reason", "cancel", "body", "number", "reject")}
    child = world.open_case(person={"birth_date": timezone.localdate() - datetime.timedelta(days=365 * 16)})
    c = consent(world.worker, child, "referral", world.shelter, given_by=GivenBy.LEGAL_REPRESENTATIVE,
                representative_name=m["rep"], representative_relation=m["relation"], child_view=m["view"],
                note=m["note"])
    r1 = services.create_referral(actor=world.worker, case=child,
                                  data=referral_data(world.shelter, message=m["message"]))
    services.decline_referral(actor=world.shelter_staff, referral=r1, reason=m["decline"], expected_version=r1.version)
    r2 = services.create_referral(actor=world.worker, case=child, data=referral_data(world.shelter))
    services.accept_referral(actor=world.shelter_staff, referral=r2, expected_version=r2.version)
    services.report_progress(actor=world.shelter_staff, referral=r2, text=m["progress"])
    withdraw_consent(actor=world.worker, consent=c, note=m["withdrawal"])
    use = use_legal_basis(actor=world.worker, case=child, purpose="law_enforcement", legal_basis="court_order",
                          reason=m["reason"], sections=["identity"], copy_bytes=PNG,
                          order={"issuing_body": m["body"], "order_number": m["number"],
                                 "order_date": timezone.localdate()})
    reject_legal_basis(actor=world.ca_supervisor, use=use, reason=m["reject"], expected_version=use.version)
    abroad = world.open_case(actor=world.consul, person={"citizenships": [term("country", "AZ")]})
    consent(world.consul, abroad, "return")
    r3 = services.create_referral(actor=world.consul, case=abroad, data=referral_data(
        world.centre, purpose="return", shared_sections=["identity", "return"]))
    services.save_return_plan(actor=world.consul, referral=r3, data={
        "documents": "issued", "arrival_point": m["point"], "travel_details": m["travel"]})
    services.accept_referral(actor=world.centre_worker, referral=r3, expected_version=r3.version)
    services.record_arrival(actor=world.centre_worker, referral=r3, note=m["reception"])
    services.complete_referral(actor=world.centre_worker, referral=r3, text=m["complete"], expected_version=r3.version)
    r4 = services.create_referral(actor=world.worker, case=world.open_case(), data={
        **referral_data(world.main_department, purpose="law_enforcement"), **legal_basis_data()})
    services.cancel_referral(actor=world.worker, referral=r4, reason=m["cancel"], expected_version=r4.version)

    stored = " ".join(raw_rows(model) for model in (Consent, LegalBasisUse, Referral, ReferralEvent, ReturnPlan,
                                                    Notification, AuditEvent))
    assert ReturnPlan.objects.system().get().arrival_point == m["point"]  # the values are there, decrypted
    leaked = [name for name, marker in m.items() if marker in stored]
    assert not leaked, f"plain text in the database: {leaked}"
