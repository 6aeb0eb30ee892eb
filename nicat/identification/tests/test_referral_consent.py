"""Issue 12, item 4: the referral for identification goes through the consent gate.

Before: a `consent_confirmed` checkbox, and the Main Department's access never ended when the person
withdrew. Now it rests on a recorded consent for identification (or an approved legal basis), and a
withdrawal ends the Main Department's access in the same transaction."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from nicat.access import policy
from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.cases.models import Case
from nicat.consent.models import Decision
from nicat.consent.services import approve_legal_basis, withdraw_consent
from nicat.identification import services
from nicat.identification.models import Identification
from nicat.referrals.models import Notification, NotificationKind
from tests.support.identification import identification_consent, refer_with_consent
from tests.support.world import make_user, verified_login

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def sees(user, case):
    return Case.objects.visible_to(user).filter(pk=case.pk).exists()


def order(sections=("identity",)):
    return {"legal_basis": "court_order", "legal_basis_reason": "The court ordered the identification inquiry.",
            "order": {"issuing_body": "Baku Court", "order_number": "3-7/2026",
                      "order_date": timezone.localdate() - datetime.timedelta(days=1)},
            "copy_bytes": PNG, "sections": list(sections)}


def test_no_recorded_consent_no_referral(cast, adult_case, api):
    with pytest.raises(ValidationError) as error:
        services.refer_for_identification(actor=cast.worker, case=adult_case)
    assert error.value.error_dict["consent"][0].code == "consent_missing"
    identification_consent(cast.worker, adult_case, decision=Decision.REFUSED)
    response = api(cast.worker).post(f"/api/v1/identification/cases/{adult_case.uuid}/refer/",
                                     {"consent_confirmed": True}, format="json")  # the old checkbox is no key
    assert response.status_code == 400 and "consent" in response.json()
    assert not sees(cast.officer, adult_case)


def test_withdrawing_the_consent_ends_the_main_departments_access_at_once(cast, adult_case, api):
    refer_with_consent(cast.worker, adult_case)
    assert sees(cast.officer, adult_case)
    given = Identification.objects.system().get(case=adult_case).consent
    withdraw_consent(actor=cast.worker, consent=given, note="She no longer wants the inquiry.")
    assert not sees(cast.officer, adult_case)
    assert policy.visible_sections(cast.officer, adult_case) == set()
    assert api(cast.officer).get(f"/api/v1/cases/{adult_case.uuid}/").status_code == 404
    assert AuditEvent.objects.filter(action="identification.referral.access_ended").exists()
    assert Notification.objects.filter(user=cast.officer, kind=NotificationKind.REFERRAL_REVOKED).exists()
    body = api(cast.worker).get(f"/api/v1/identification/cases/{adult_case.uuid}/").json()
    assert body["referral_in_force"] is False
    # The person agrees again: a new consent and a new referral restore it.
    identification_consent(cast.worker, adult_case, given_at=timezone.now())
    services.refer_for_identification(actor=cast.worker, case=adult_case)
    assert sees(cast.officer, adult_case)


def test_a_refusal_naming_the_main_department_ends_its_access_beside_a_general_consent(cast, adult_case, api,
                                                                                      client):
    """She agreed to identification in general (no institution named), was referred, then refused the Main
    Department by name: the general consent stays for any other body, but the refused one loses the case at
    once, as with a withdrawal — her latest decision for that body wins — and a new consent allows a new referral."""
    refer_with_consent(cast.worker, adult_case)  # the consent names no institution
    assert Identification.objects.system().get(case=adult_case).consent.institution_id is None
    assert sees(cast.officer, adult_case)
    authority = services.competent_authority()
    identification_consent(cast.worker, adult_case, decision=Decision.REFUSED, institution=authority,
                           given_at=timezone.now() - datetime.timedelta(minutes=1))
    assert not sees(cast.officer, adult_case)
    assert policy.visible_sections(cast.officer, adult_case) == set()
    assert api(cast.officer).get(f"/api/v1/cases/{adult_case.uuid}/").status_code == 404
    assert AuditEvent.objects.filter(action="identification.referral.access_ended").exists()
    body = api(cast.worker).get(f"/api/v1/identification/cases/{adult_case.uuid}/").json()
    assert body["referral_in_force"] is False
    assert Identification.objects.system().get(case=adult_case).consent is None  # no longer what it rests on
    verified_login(client, cast.worker)
    page = client.get(reverse("cases:detail", args=[adult_case.uuid])).content.decode()
    assert 'data-testid="identification-basis" data-in-force="no"' in page
    assert reverse("identification:refer", args=[adult_case.uuid]) in page
    # She changes her mind again: a new consent for the Main Department, and the case may be referred again.
    identification_consent(cast.worker, adult_case, institution=authority, given_at=timezone.now())
    services.refer_for_identification(actor=cast.worker, case=adult_case)
    assert sees(cast.officer, adult_case)


def test_withdrawal_shows_on_the_case_page(cast, adult_case, client):
    refer_with_consent(cast.worker, adult_case)
    withdraw_consent(actor=cast.worker, consent=Identification.objects.system().get(case=adult_case).consent)
    verified_login(client, cast.worker)
    page = client.get(reverse("cases:detail", args=[adult_case.uuid])).content.decode()
    assert 'data-testid="identification-basis" data-in-force="no"' in page
    assert reverse("identification:refer", args=[adult_case.uuid]) in page  # may refer again on new consent


def test_a_legal_basis_needs_approval_and_then_survives_a_withdrawal(cast, adult_case, client):
    supervisor = make_user("md.supervisor", cast.main_department, Role.SUPERVISOR)
    identification_consent(cast.worker, adult_case, decision=Decision.REFUSED)
    identification = services.refer_for_identification(actor=cast.worker, case=adult_case, **order())
    assert not sees(cast.officer, adult_case)  # awaiting approval: the Main Department sees nothing
    with pytest.raises(ValidationError, match="already referred"):
        services.refer_for_identification(actor=cast.worker, case=adult_case, **order())
    approve_legal_basis(actor=supervisor, use=identification.legal_basis_use, expected_version=identification.legal_basis_use.version)
    assert sees(cast.officer, adult_case)
    assert policy.visible_sections(cast.officer, adult_case) == {"identity"}  # only what the decision names
    later = identification_consent(cast.worker, adult_case)
    withdraw_consent(actor=cast.worker, consent=later)
    assert sees(cast.officer, adult_case)  # the approved legal basis applies …
    verified_login(client, cast.worker)
    page = client.get(reverse("cases:detail", args=[adult_case.uuid])).content.decode()
    assert 'data-testid="identification-basis" data-in-force="yes"' in page  # … and the case page shows it
    assert 'data-testid="refusal-kept"' in page


def test_the_refer_page_posts_a_legal_basis_with_its_copy(cast, adult_case, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    verified_login(client, cast.worker)
    url = reverse("identification:refer", args=[adult_case.uuid])
    response = client.post(url, {"legal_basis": "court_order", "legal_basis_reason": "xxxxxxxxxx"})
    assert response.status_code == 400 and not sees(cast.officer, adult_case)
    response = client.post(url, {
        "legal_basis": "court_order", "legal_basis_reason": "The court ordered the inquiry.",
        "legal_basis_issuing_body": "Baku Court", "legal_basis_order_number": "3-7/2026",
        "legal_basis_order_date": str(timezone.localdate()), "legal_basis_sections": ["identity", "narrative"],
        "legal_basis_copy": SimpleUploadedFile("order.png", PNG, content_type="image/png")})
    assert response.status_code == 302
    use = Identification.objects.system().get(case=adult_case).legal_basis_use
    assert use.status == "pending" and use.sections == ["identity", "narrative"] and use.copy_size == len(PNG)
    assert not sees(cast.officer, adult_case)
