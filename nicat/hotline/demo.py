"""Demo hotline: a hotline supervisor beside the demo operator, and a few contacts of the last days
(called once from nicat.web.demo.build_world; idempotent)."""
import datetime

from django.utils import timezone

SUPERVISOR = ("hotline.supervisor", "Rəna", "Əliyeva")


def ensure_hotline_demo(institutions, users, hotline_code="hotline-152"):
    from nicat.accounts.models import Membership, Role, User
    from nicat.hotline.models import Contact
    from nicat.hotline.services import record_contact, record_help_request
    from nicat.vocab.models import Term

    hotline = institutions.get(hotline_code)
    operator = users.get("hotline.operator")
    if hotline is None or operator is None:
        return []
    username, first, last = SUPERVISOR
    supervisor = User.objects.filter(username=username).first()
    if supervisor is None:
        supervisor = User.objects.create(username=username, password=operator.password, first_name=first,
                                         last_name=last, email=f"{username}@demo.nicat.invalid",
                                         preferred_language="az")
    Membership.objects.get_or_create(user=supervisor, institution=hotline, role=Role.SUPERVISOR,
                                     defaults={"active": True})
    users[username] = supervisor
    if Contact.objects.visible_to(operator).filter(institution=hotline).exists():
        return []

    def term(vocabulary, code):
        return Term.objects.filter(vocabulary=vocabulary, code=code).first()

    now = timezone.now()
    specs = [
        {"channel": "call", "started_at": now - datetime.timedelta(hours=3), "duration_minutes": 6,
         "caller_type": "anonymous", "language": term("language", "az"), "region": term("region", "baku"),
         "reason": "information", "gave_information": True, "outcome": "answered"},
        {"channel": "call", "started_at": now - datetime.timedelta(hours=2), "duration_minutes": 14,
         "caller_type": "relative", "language": term("language", "ru"), "region": term("region", "ganja_dashkasan"),
         "reason": "job_offer_abroad", "gave_consultation": True, "outcome": "callback",
         "follow_up_due": now + datetime.timedelta(hours=20),
         "notes": "Qızına Dubayda ofisiant işi təklif olunub, pasportu agentliyə verməlidir."},
        {"channel": "chat", "started_at": now - datetime.timedelta(days=1, hours=1), "duration_minutes": 20,
         "caller_type": "third_party", "language": term("language", "az"), "region": term("region", "lankaran_astara"),
         "reason": "suspected", "gave_information": True, "outcome": "follow_up",
         "follow_up_due": now - datetime.timedelta(hours=4)},
        {"channel": "call", "started_at": now - datetime.timedelta(days=2), "duration_minutes": 9,
         "caller_type": "person_at_risk", "language": term("language", "en"), "region": term("region", "baku"),
         "reason": "job_offer_abroad", "gave_consultation": True, "outcome": "answered"},
    ]
    made = [record_contact(actor=operator, data=spec, institution=hotline) for spec in specs]
    made.append(record_help_request(what="Qonşu qız iki aydır evdən çıxmır, telefonunu əlindən alıblar.",
                                    safe_contact=""))
    return made
