"""Test helpers of the referral mechanism: the institutions a referral travels between, and consent in one call."""
import datetime

from django.utils import timezone

from nicat.accounts.models import Role
from nicat.consent.models import Decision, Method, Purpose
from nicat.consent.services import record_consent
from nicat.directory.models import InstitutionService, ServiceKind
from tests.support.world import make_institution, make_user, term


def build_world(cast):
    """Adds to the cast: a state shelter, an assistance centre, the Uzbek embassy in Baku, an Azerbaijani
    consulate abroad, and staff in each. Returns the cast."""
    c = cast
    c.shelter = make_institution("state-shelter", "shelter", name_az="Dövlət sığınacağı", name_en="State shelter",
                                 is_special_institution=True, address="Gizli küçə 7, Bakı", listed_publicly=True,
                                 phone="+994 12 000 00 00", region=term("region", "baku"))
    InstitutionService.objects.create(institution=c.shelter, kind=ServiceKind.SHELTER)
    InstitutionService.objects.create(institution=c.shelter, kind=ServiceKind.PSYCHOLOGICAL)
    c.shelter_staff = make_user("shelter.manager", c.shelter, Role.SHELTER_STAFF)
    c.centre = make_institution("assistance-centre", "assistance_centre", name_az="Yardım mərkəzi",
                                name_en="Assistance centre", is_special_institution=True, address="Mərkəz küçəsi 3")
    for kind in (ServiceKind.PSYCHOLOGICAL, ServiceKind.LEGAL, ServiceKind.RETURN, ServiceKind.VOCATIONAL):
        InstitutionService.objects.create(institution=c.centre, kind=kind)
    c.centre_worker = make_user("centre.worker", c.centre)
    c.embassy_uz = make_institution("embassy-uz", "embassy_consulate", name_az="Özbəkistan səfirliyi",
                                    name_en="Embassy of Uzbekistan", country=term("country", "UZ"),
                                    address="Bakı, Səfirlik küçəsi 1", listed_publicly=True)
    c.uz_consul = make_user("uz.consul", c.embassy_uz, Role.CONSULAR_OFFICER)
    c.consulate = make_institution("consulate-dubai", "embassy_consulate", name_az="Dubayda Baş Konsulluq",
                                   name_en="Consulate General in Dubai", country=term("country", "AZ"),
                                   region=term("region", "abroad"))
    c.consul = make_user("consul.officer", c.consulate, Role.CONSULAR_OFFICER)
    c.main_department.address = ""
    c.main_department.save()
    # Supervisors of the competent authority: they approve (or reject) legal bases, two people each time.
    c.ca_supervisor = make_user("ca.supervisor", c.main_department, Role.SUPERVISOR)
    c.ca_supervisor2 = make_user("ca.supervisor2", c.main_department, Role.SUPERVISOR)
    return c


def consent(actor, case, purpose=Purpose.REFERRAL, institution=None, decision=Decision.GIVEN, **extra):
    data = {"purpose": purpose, "institution": institution, "decision": decision, "method": Method.WRITTEN,
            "given_at": timezone.now() - datetime.timedelta(minutes=10), **extra}
    return record_consent(actor=actor, case=case, data=data)


def referral_data(to, purpose=Purpose.REFERRAL, **extra):
    return {"to_institution": to, "purpose": purpose, "urgency": "urgent", "message": "Needs a safe place tonight.",
            "shared_sections": ["identity"], **extra}


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def legal_basis_data(sections=("identity",), basis="court_order", **extra):
    """The legal-basis part of a referral (court order with its number, date and copy)."""
    return {"legal_basis": basis, "legal_basis_reason": "Investigation of the recruiter requires it.",
            "legal_basis_issuing_body": "Baku Grave Crimes Court", "legal_basis_order_number": "2-1/55",
            "legal_basis_order_date": timezone.localdate() - datetime.timedelta(days=3), "legal_basis_copy": PNG,
            "legal_basis_sections": list(sections), **extra}
