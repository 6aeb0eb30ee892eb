"""Demo data of safety: one case of the Main Department with a high-risk assessment and a safety plan
waiting for the supervisor's confirmation, a security measure and a relative at risk. Idempotent: nothing
is added when the police officer already sees an assessment. Called by nicat.web.demo.build_world."""
import datetime

from django.utils import timezone


def ensure_safety(users):
    from nicat.cases.models import Case
    from nicat.safety import services
    from nicat.safety.models import Assessment

    officer = users.get("police.officer")
    if officer is None or Assessment.objects.visible_to(officer).exists():
        return None
    case = (Case.objects.visible_to(officer).filter(owner_institution__is_competent_authority=True)
            .order_by("first_contact_at", "pk").first())
    if case is None:
        return None
    today = timezone.localdate()
    assessment = services.record_assessment(actor=officer, case=case, data={
        "occasion": "court", "level": "high", "factors": ["traffickers", "family_involvement", "retrafficking"],
        "reasons": "The recruiter, still at large, is a relative; the family was paid part of the debt. "
                   "She testifies at the hearing next month.",
        "review_on": today + datetime.timedelta(days=14)})
    services.write_safety_plan(actor=officer, assessment=assessment, expected_version=assessment.version, plan=(
        "Escort to and from the hearing; stay at the state shelter; no contact with the uncle's household; "
        "the mother is met only at the shelter, with a case worker present."))
    services.add_security_measure(actor=officer, case=case, data={
        "kind": "state_protection", "responsible_body": "Main Department, witness protection unit",
        "description": "Protection as a participant in criminal proceedings; escort to court hearings.",
        "address": "", "starts_on": today - datetime.timedelta(days=3),
        "review_on": today + datetime.timedelta(days=30), "person_view": "agrees",
        "person_wishes": "Asked for the escort; prefers a woman officer."})
    services.add_relative(actor=officer, case=case, data={
        "relation": "sibling", "given_name": "Nigar", "family_name": "Əliyeva", "phone": "+994 55 300 40 50",
        "contact": "Sumqayıt", "risk": "medium", "risk_notes": "The recruiter asked neighbours about her.",
        "measures": "Told to call the duty service; patrol informed."})
    return case


def assess_for_court(actor, case):
    """The safety assessment before a court appearance (the check nicat.proceedings runs before each one):
    medium risk, reviewed in two months. For the demo's case in court and the tests that build one."""
    import datetime

    from django.utils import timezone

    from nicat.safety.services import record_assessment

    return record_assessment(actor=actor, case=case, data={
        "occasion": "court", "level": "medium", "factors": ["traffickers"],
        "reasons": "The recruiter's relatives asked about her; she testifies by video link from the shelter.",
        "review_on": timezone.localdate() + datetime.timedelta(days=60)})
