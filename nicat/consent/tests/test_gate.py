"""The consent gate: purpose by purpose, refusal respected, children through their representative,
legal bases as the only exception."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from nicat.audit.models import AuditEvent
from nicat.consent.models import Consent, Decision, GivenBy, LegalBasisUse, Method, Purpose
from nicat.consent.services import (
    authorise,
    decisive_consent,
    record_consent,
    require_consent,
    use_legal_basis,
    withdraw_consent,
)
from nicat.core.errors import NotAllowed
from tests.support.referrals import consent
from tests.support.world import term

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def messages(error):
    return " ".join(error.value.messages)


def test_missing_consent_is_refused_with_a_message_naming_it(world):
    case = world.open_case()
    with pytest.raises(ValidationError) as error:
        require_consent(case=case, purpose=Purpose.REFERRAL, institution=world.shelter)
    assert "consent" in error.value.error_dict
    assert error.value.error_dict["consent"][0].code == "consent_missing"
    assert world.shelter.name in messages(error)


def test_consent_is_purpose_and_institution_specific(world):
    case = world.open_case()
    consent(world.worker, case, Purpose.REFERRAL, world.shelter)
    assert require_consent(case=case, purpose=Purpose.REFERRAL, institution=world.shelter)
    with pytest.raises(ValidationError):  # another institution
        require_consent(case=case, purpose=Purpose.REFERRAL, institution=world.centre)
    with pytest.raises(ValidationError):  # another purpose
        require_consent(case=case, purpose=Purpose.LAW_ENFORCEMENT, institution=world.main_department)


def test_service_consent_covers_only_its_service(world):
    case = world.open_case()
    consent(world.worker, case, Purpose.SERVICE, service="psychological")
    assert require_consent(case=case, purpose=Purpose.SERVICE, institution=world.centre, service="psychological")
    with pytest.raises(ValidationError):
        require_consent(case=case, purpose=Purpose.SERVICE, institution=world.centre, service="legal")


def test_refusal_is_recorded_and_respected(world):
    case = world.open_case()
    consent(world.worker, case, Purpose.CONSULAR_NOTIFICATION, world.embassy_uz, decision=Decision.REFUSED)
    with pytest.raises(ValidationError) as error:
        require_consent(case=case, purpose=Purpose.CONSULAR_NOTIFICATION, institution=world.embassy_uz)
    assert error.value.error_dict["consent"][0].code == "consent_refused"
    assert "refused" in messages(error)
    # A later consent overrides the refusal; a later refusal overrides a consent.
    consent(world.worker, case, Purpose.CONSULAR_NOTIFICATION, world.embassy_uz,
            given_at=timezone.now() - datetime.timedelta(minutes=1))
    assert require_consent(case=case, purpose=Purpose.CONSULAR_NOTIFICATION, institution=world.embassy_uz)
    consent(world.worker, case, Purpose.CONSULAR_NOTIFICATION, world.embassy_uz, decision=Decision.REFUSED,
            given_at=timezone.now())
    assert decisive_consent(case=case, purpose=Purpose.CONSULAR_NOTIFICATION,
                            institution=world.embassy_uz)[0] == "refused"


def test_expired_consent_does_not_count(world):
    case = world.open_case()
    consent(world.worker, case, Purpose.FAMILY_CONTACT, given_at=timezone.now() - datetime.timedelta(days=10),
            expires_at=timezone.now() - datetime.timedelta(days=1))
    with pytest.raises(ValidationError) as error:
        require_consent(case=case, purpose=Purpose.FAMILY_CONTACT)
    assert error.value.error_dict["consent"][0].code == "consent_expired"


def test_withdrawn_consent_does_not_count(world):
    case = world.open_case()
    c = consent(world.worker, case, Purpose.RESEARCH)
    withdraw_consent(actor=world.worker, consent=c, note="Changed her mind")
    with pytest.raises(ValidationError) as error:
        require_consent(case=case, purpose=Purpose.RESEARCH)
    assert error.value.error_dict["consent"][0].code == "consent_withdrawn"
    with pytest.raises(ValidationError):
        withdraw_consent(actor=world.worker, consent=c)  # twice
    assert AuditEvent.objects.filter(action="consent.withdraw", case_uuid=str(case.uuid)).count() == 1


def test_a_refusal_cannot_be_withdrawn(world):
    case = world.open_case()
    refusal = consent(world.worker, case, Purpose.RESEARCH, decision=Decision.REFUSED)
    with pytest.raises(ValidationError):
        withdraw_consent(actor=world.worker, consent=refusal)


def test_child_consent_needs_the_legal_representative_and_the_childs_view(world):
    child_birth = timezone.localdate().replace(year=timezone.localdate().year - 15)
    case = world.open_case(person={"birth_date": child_birth})
    with pytest.raises(ValidationError) as error:
        consent(world.worker, case, Purpose.REFERRAL, world.shelter)
    assert {"given_by", "child_view"} <= set(error.value.error_dict)
    with pytest.raises(ValidationError) as error:
        consent(world.worker, case, Purpose.REFERRAL, world.shelter, given_by=GivenBy.LEGAL_REPRESENTATIVE)
    assert {"representative_name", "representative_relation", "child_view"} <= set(error.value.error_dict)
    c = consent(world.worker, case, Purpose.REFERRAL, world.shelter, given_by=GivenBy.LEGAL_REPRESENTATIVE,
                representative_name="Rəna Əliyeva", representative_relation="mother",
                child_view="Wants to stay with her sister.")
    assert c.child_view == "Wants to stay with her sister."
    assert require_consent(case=case, purpose=Purpose.REFERRAL, institution=world.shelter)


def test_consent_data_is_validated(world):
    case = world.open_case()
    with pytest.raises(ValidationError) as error:
        record_consent(actor=world.worker, case=case, data={
            "purpose": Purpose.REFERRAL, "decision": Decision.GIVEN, "method": Method.INTERPRETER,
            "given_at": timezone.now() + datetime.timedelta(days=2),
            "expires_at": timezone.now() - datetime.timedelta(days=1)})
    assert {"institution", "interpreter_language", "given_at", "expires_at"} <= set(error.value.error_dict)
    with pytest.raises(ValidationError) as error:
        record_consent(actor=world.worker, case=case, data={
            "purpose": Purpose.CONSULAR_NOTIFICATION, "decision": Decision.GIVEN, "method": Method.ORAL,
            "institution": world.shelter})
    assert "institution" in error.value.error_dict
    assert Consent.objects.system().count() == 0


def test_interpreter_language_is_recorded(world):
    case = world.open_case()
    c = consent(world.worker, case, Purpose.FAMILY_CONTACT, method=Method.INTERPRETER,
                interpreter_language=term("language", "uz"))
    assert c.interpreter_language.code == "uz"


def test_signed_form_is_stored_encrypted_and_type_checked(world):
    case = world.open_case()
    data = {"purpose": Purpose.FAMILY_CONTACT, "decision": Decision.GIVEN, "method": Method.WRITTEN}
    with pytest.raises(ValidationError) as error:
        record_consent(actor=world.worker, case=case, data=data, form_bytes=b"MZ\x90\x00 not a scan")
    assert "signed_form" in error.value.error_dict
    with pytest.raises(ValidationError):
        record_consent(actor=world.worker, case=case, data=data,
                       form_bytes=b"%PDF-" + b"0" * (2 * 1024 * 1024))
    c = record_consent(actor=world.worker, case=case, data=data, form_bytes=PNG)
    assert c.form_content_type == "image/png" and c.form_size == len(PNG)
    on_disk = c.signed_form.storage.path(c.signed_form.name)
    with open(on_disk, "rb") as fh:
        stored = fh.read()
    # encrypted, under the data key of the case's person (nicat.privacy.storage)
    assert stored.startswith(b"NICATF2\n" + case.person.data_key_id.encode()) and PNG not in stored and "consent" not in c.signed_form.name.rsplit("/", 1)[1]
    from nicat.consent.selectors import consent_form

    _c, data_back, content_type = consent_form(user=world.worker, uuid=c.uuid)
    assert data_back == PNG and content_type == "image/png"
    assert AuditEvent.objects.filter(action="consent.form.view").count() == 1


def test_only_staff_who_see_the_case_record_consent(world):
    case = world.open_case()
    with pytest.raises(NotAllowed):
        consent(world.worker2, case, Purpose.RESEARCH)
    with pytest.raises(NotAllowed):
        consent(world.analyst, case, Purpose.RESEARCH)


def test_legal_basis_replaces_consent_only_when_configured_and_explained(world):
    case = world.open_case()
    with pytest.raises(ValidationError) as error:
        use_legal_basis(actor=world.worker, case=case, purpose=Purpose.LAW_ENFORCEMENT, legal_basis="whim",
                        reason="x")
    assert {"legal_basis", "legal_basis_reason"} <= set(error.value.error_dict)
    with pytest.raises(ValidationError) as error:  # a prosecutor's decision is for law enforcement only
        use_legal_basis(actor=world.worker, case=case, purpose=Purpose.RESEARCH, legal_basis="prosecutor_decision",
                        reason="Decision no. 12 of 3 March")
    assert "legal_basis" in error.value.error_dict
    consent_obj, use = authorise(actor=world.worker, case=case, purpose=Purpose.LAW_ENFORCEMENT,
                                 institution=world.main_department, legal_basis="crime_report_duty",
                                 legal_basis_reason="Duty to report: Art. 207 CPC, report no. 44",
                                 sections=["identity"])
    assert consent_obj is None and isinstance(use, LegalBasisUse) and use.status == "pending"
    event = AuditEvent.objects.get(action="consent.legal_basis_request")
    assert event.details["legal_basis"] == "crime_report_duty" and event.case_uuid == str(case.uuid)
    assert "Art. 207" not in str(event.details) and "Art. 207" not in str(event.changes)  # reason sealed
    with pytest.raises(ValidationError) as error:  # a reason without a basis
        authorise(actor=world.worker, case=case, purpose=Purpose.LAW_ENFORCEMENT, institution=world.main_department,
                  legal_basis_reason="Because", lock=False)
    assert "legal_basis" in error.value.error_dict


def test_legal_bases_come_from_settings(world, settings):
    settings.NICAT_LEGAL_BASES = [{"code": "test_law", "az": "Test", "ru": "Тест", "en": "Test law", "order": False}]
    case = world.open_case()
    use = use_legal_basis(actor=world.worker, case=case, purpose=Purpose.RESEARCH, legal_basis="test_law",
                          reason="Required by the test law.", sections=["identity"])
    assert use.legal_basis_label == "Test" or use.legal_basis_label == "Test law"
    with pytest.raises(ValidationError):
        use_legal_basis(actor=world.worker, case=case, purpose=Purpose.RESEARCH, legal_basis="court_order",
                        reason="Court decision no. 1")


def test_consent_to_data_processing_is_no_longer_recorded(world):
    """docs/decisions/0007: keeping the case rests on the law; consent governs each disclosure and measure."""
    case = world.open_case()
    with pytest.raises(ValidationError) as error:
        consent(world.worker, case, Purpose.DATA_PROCESSING)
    assert "purpose" in error.value.error_dict
    from nicat.consent.forms import ConsentForm

    assert "data_processing" not in dict(ConsentForm().fields["purpose"].choices)


def test_recording_is_audited_without_plaintext(world):
    case = world.open_case()
    consent(world.worker, case, Purpose.REFERRAL, world.shelter, note="Spoke with Aysel at the station")
    event = AuditEvent.objects.get(action="consent.record")
    assert event.details == {"purpose": "referral", "decision": "given", "awaiting_confirmation": False}
    assert "Aysel" not in str(event.changes)
