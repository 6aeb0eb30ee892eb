"""The demo's case in court (called from nicat.web.demo.build_world with one line), recorded as the police
do it through the services, and the NGO that accompanies the victim receiving its hearings through a
referral with consent. Tests build the same with `case_in_court`."""
import datetime

from django.utils import timezone

from nicat.proceedings import services
from nicat.vocab.models import Term


def term(vocabulary, code):
    return Term.objects.get(vocabulary=vocabulary, code=code)


def case_in_court(*, officer, case, investigating_body, number="2026/144-0071", suspect=None, days_ago=120,
                  hearing_in_days=5, court="Bakı Ağır Cinayətlər Məhkəməsi", before_appearance=None):
    """A suspect, the criminal case (144-1), its way to court, one hearing ahead with the victim
    required, through the services (audited). Returns (criminal_case, perpetrator, hearing).
    `before_appearance(officer, case)` does what the appearance checks ask first (the safety app's
    assessment: nicat.safety.demo.assess_for_court)."""
    today = timezone.localdate()
    suspect = suspect or {"given_name": "Rauf", "family_name": "Qasımov", "aliases": ["Dayı"]}
    perpetrator = services.add_perpetrator(actor=officer, case=case, data={
        **suspect, "roles": [term("perpetrator_role", "recruiter"), term("perpetrator_role", "controller")],
        "relation": term("trafficker_relation", "acquaintance"), "nationalities": [term("country", "AZ")],
        "gender": term("gender", "masculine"), "age_band": "30_44",
        "role_details": "Offered a job in a restaurant abroad and kept the passport."})
    opened = today - datetime.timedelta(days=days_ago)
    cc = services.open_criminal_case(actor=officer, case=case, data={
        "number": number, "articles": [term("criminal_article", "144-1")], "investigating_body": investigating_body,
        "opened_on": opened, "stage": "inquiry", "victim_status": "victim", "perpetrators": [perpetrator]})
    services.change_stage(actor=officer, criminal_case=cc, stage="preliminary_investigation",
                          changed_on=opened + datetime.timedelta(days=10), expected_version=cc.version)
    services.change_stage(actor=officer, criminal_case=cc, stage="in_court",
                          changed_on=opened + datetime.timedelta(days=90), expected_version=cc.version)
    starts = timezone.localtime().replace(hour=10, minute=30, second=0, microsecond=0) + datetime.timedelta(
        days=hearing_in_days)
    hearing = services.schedule_hearing(actor=officer, criminal_case=cc, data={
        "starts_at": starts, "court": court, "purpose": "trial"})
    if before_appearance:
        before_appearance(officer, case)
    services.plan_appearance(actor=officer, hearing=hearing, data={
        "mode": "video", "person_view": "agrees", "wished_mode": "video",
        "person_wishes": "Wants her NGO case worker beside her; asks not to see the accused."})
    return cc, perpetrator, hearing


def build_case_in_court(users, institutions, before_appearance=None):
    """One case of the Main Department in court, once per database: a recognised victim's case with a
    suspect, the criminal case under Article 144-1 at the trial stage, a hearing next week at which the
    victim is required (by video link), and the first NGO accompanying her — a referral with consent that
    shares the identity and the hearings, never the investigation file. Returns the case or None."""
    from django.db.models import Q

    from nicat.cases.models import Case, TraffickingStatus
    from nicat.consent.models import Decision, Method, Purpose
    from nicat.consent.services import record_consent
    from nicat.proceedings.models import CriminalCase
    from nicat.referrals.models import Referral
    from nicat.referrals.services import accept_referral, create_referral

    officer, worker = users.get("police.officer"), users.get("ngo.worker")
    main, ngo = institutions.get("main-department"), institutions.get("ngo-gunesli-korpu")
    if not (officer and worker and main and ngo):
        return None
    # Read as the officer who records it: the Main Department's own criminal cases, cases and referrals.
    if CriminalCase.objects.visible_to(officer).exists():
        return None
    # A Main Department case (a recognised victim's first), not yet referred to the NGO.
    referred = Referral.objects.visible_to(officer).filter(Q(to_institution=ngo)).values("case_id")
    candidates = (Case.objects.visible_to(officer).filter(owner_institution=main).exclude(pk__in=referred)
                  .exclude(status__in=["Closed", "ClosedReferred"]).order_by("pk"))
    from nicat.persons.age import is_child

    # an adult's case (a child's referral needs the legal representative's consent), a recognised victim first
    ordered = [*candidates.filter(trafficking_status=TraffickingStatus.ACTUAL), *candidates.exclude(
        trafficking_status=TraffickingStatus.ACTUAL)]
    case = next((c for c in ordered if not is_child(c.person)), None)
    if case is None:
        return None
    case_in_court(officer=officer, case=case, investigating_body=main, before_appearance=before_appearance)
    record_consent(actor=officer, case=case, data={
        "purpose": Purpose.REFERRAL, "institution": ngo, "decision": Decision.GIVEN, "method": Method.WRITTEN,
        "given_at": timezone.now() - datetime.timedelta(days=1)})
    referral = create_referral(actor=officer, case=case, data={
        "to_institution": ngo, "purpose": Purpose.REFERRAL, "urgency": "routine",
        "message": "Accompany her to the hearing next week (by video link; she must not meet the accused).",
        "shared_sections": ["identity", "hearings"]})
    accept_referral(actor=worker, referral=referral, expected_version=referral.version)
    return case
