"""A shelter with its manager, a referred person, consents and official recognition, for assistance tests.

Imported by the browser journey too (tests/test_assistance_journey.py)."""
import datetime

from django.utils import timezone

from nicat.accounts.models import Role
from tests.support.world import make_institution, make_user, term


class World:
    def __init__(self, cast):
        from nicat.assistance import services
        from nicat.directory.models import InstitutionService

        self.cast = cast
        self.shelter_institution = make_institution("state-shelter", "shelter", name_az="Dövlət sığınacağı",
                                                    is_special_institution=True)
        InstitutionService.objects.create(institution=self.shelter_institution, kind="shelter")
        self.shelter = services.register_facility(actor=cast.admin, institution=self.shelter_institution,
                                                  address="Gizli küçə 1", phone="+994 12 000 00 00",
                                                  capacity={"women": 2, "men": 1, "children": 1})
        self.manager = make_user("shelter.manager", self.shelter_institution, Role.SHELTER_STAFF)
        self.centre_institution = make_institution("help-centre", "assistance_centre", name_az="Yardım mərkəzi",
                                                   is_special_institution=True)
        self.business = make_institution("clinic-llc", "medical", name_az="Özəl klinika MMC")
        self.hospital = make_institution("state-hospital", "medical", name_az="Dövlət xəstəxanası")

    def adult(self, actor=None, gender="feminine", **person):
        person.setdefault("birth_date", datetime.date(1995, 5, 5))
        return self.cast.open_case(actor=actor, person={"gender": term("gender", gender), **person})

    def child(self, actor=None, **person):
        person.setdefault("birth_date", timezone.localdate() - datetime.timedelta(days=365 * 15))
        return self.cast.open_case(actor=actor, person={"gender": term("gender", "feminine"), **person})

    def consent(self, case, purpose, service="", institution=None, actor=None, decision="given", **extra):
        from nicat.consent.services import record_consent

        data = {"purpose": purpose, "decision": decision, "method": "written", "service": service,
                "institution": institution, **extra}
        if case.person.is_child:  # the one age rule: a child, or presumed one (age unknown or estimated near 18)
            data.setdefault("given_by", "legal_representative")
            data.setdefault("representative_name", "Ana Məmmədova")
            data.setdefault("representative_relation", "mother")
            data.setdefault("child_view", "Wants to stay in a safe place.")
        return record_consent(actor=actor or self.cast.worker, case=case, data=data)

    def refer_to_shelter(self, case, actor=None):
        """The owner refers the person to the shelter (with consent) and the shelter accepts."""
        from nicat.referrals.services import accept_referral, create_referral

        actor = actor or self.cast.worker
        self.consent(case, "service", service="shelter", institution=self.shelter_institution, actor=actor)
        referral = create_referral(actor=actor, case=case, data={
            "to_institution": self.shelter_institution, "purpose": "service", "service": "shelter",
            "shared_sections": ["identity", "contacts"], "message": "Needs a safe place."})
        accept_referral(actor=self.manager, referral=referral, expected_version=referral.version)
        return referral

    def recognise(self, case, on=None):
        """The Main Department's official decision (recorded directly: the identification app's own job)."""
        from nicat.cases.models import Case

        Case.objects.system().filter(pk=case.pk).update(trafficking_status="ActualVictimOfTrafficking",
                                                        status_decided_by=self.cast.main_department,
                                                        status_decided_on=on or timezone.localdate())
        case.refresh_from_db()
        return case

    def fresh(self, case):
        from nicat.cases.models import Case

        return Case.objects.system().select_related("person").get(pk=case.pk)

