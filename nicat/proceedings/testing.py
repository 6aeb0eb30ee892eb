"""Test and demo helpers of the criminal proceedings: one case in court, recorded as the police do it,
and the NGO that accompanies the victim receiving its hearings through a referral with consent."""
import datetime

from django.utils import timezone

from nicat.proceedings import services
from nicat.vocab.models import Term


def term(vocabulary, code):
    return Term.objects.get(vocabulary=vocabulary, code=code)


def case_in_court(*, officer, case, investigating_body, number="2026/144-0071", suspect=None, days_ago=120,
                  hearing_in_days=5, court="Bakı Ağır Cinayətlər Məhkəməsi"):
    """A suspect, the criminal case (144-1), its way to court, one hearing ahead with the victim
    required, through the services (audited). Returns (criminal_case, perpetrator, hearing)."""
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
    services.plan_appearance(actor=officer, hearing=hearing, data={"mode": "video"})
    return cc, perpetrator, hearing
