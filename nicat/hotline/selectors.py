"""Reads of the hotline: contacts (its own hotline's operators and supervisors only), the operator's desk,
the scripts, and the alerts (the duty service and the hotline). Every read of contacts is audited."""
import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nicat.access import predicates
from nicat.audit import services as audit
from nicat.core.calendar import baku_today
from nicat.core.reads import Reads
from nicat.directory.models import Institution
from nicat.hotline.models import OPEN_OUTCOMES, Alert, Contact, Reason
from nicat.legal import rules
from nicat.persons.age import child_age

RELATED = ("language", "region", "referred_to", "case", "operator", "institution")


class ContactReads(Reads):
    """The one read path of contacts (pages and API): seen by their own hotline's operators and supervisors
    only (the scoped manager's rule); a list is recorded for the hotline the reader works at and names the
    contacts shown (their ids, never their content), a read for the contact's hotline."""

    def acting(self, user, obj=None):
        return obj.institution if obj is not None else predicates.hotline_operator_institution(user)

    def named(self, records):
        return {"contacts": [str(c.uuid) for c in records]}


CONTACTS = ContactReads(Contact, "hotline.contact", related=RELATED, case_path="case",
                        order=(),  # the model's: newest first
                        list_action="hotline.contact_list", view_action="hotline.contact_view")


def contacts(*, user):
    """The contacts `user` may see (none for anyone but the hotline's operators and supervisors)."""
    return CONTACTS.query(user)


def contact_list(*, user, channel="web", **filters):
    qs = contacts(user=user)
    if filters.get("reason"):
        qs = qs.filter(reason=filters["reason"])
    if filters.get("outcome"):
        qs = qs.filter(outcome=filters["outcome"])
    if filters.get("urgent") is not None:
        qs = qs.filter(urgent=filters["urgent"])
    return qs


def record_list_read(*, user, uuids, channel):
    """One audit event for a list of contacts shown (their ids, never their content)."""
    CONTACTS.listed(user, shown=len(uuids), channel=channel, contacts=[str(u) for u in uuids])


def contact_detail(*, user, contact_uuid, channel="web"):
    """The contact if `user` may see it (else Http404), the read audited."""
    return CONTACTS.get_or_404(user, contact_uuid, channel=channel)


def desk(*, user, now=None):
    """The operator's desk: today's contacts, open follow-ups and callbacks (oldest due first), alerts of
    the hotline not yet acknowledged."""
    now = now or timezone.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    qs = contacts(user=user)
    today = list(qs.filter(started_at__gte=start, started_at__lt=start + datetime.timedelta(days=1))[:200])
    open_items = list(qs.filter(outcome__in=list(OPEN_OUTCOMES)).order_by("follow_up_due", "started_at")[:200])
    alerts = list(Alert.objects.filter(contact__institution_id__in=predicates.hotline_institution_ids(user),
                                       acknowledged_at__isnull=True).select_related("contact")[:50])
    shown = {c.uuid: c for c in today + open_items}
    audit.record(actor=user, action="hotline.desk_view", institution=predicates.hotline_operator_institution(user),
                 details={"channel": "web", "shown": len(shown), "contacts": sorted(str(u) for u in shown)})
    return {"today": today, "open": open_items, "alerts": alerts, "now": now}


# --- Scripts ---------------------------------------------------------------------------------------

DEFINITION = _(
    "Trafficking in human beings is an act (recruitment, obtaining, keeping, harbouring, transporting, giving "
    "or receipt of a person) by a means (threat or use of force, intimidation or other coercion, abduction, "
    "fraud, deception, abuse of power or of a position of vulnerability, payments or benefits to obtain the "
    "consent of a person who has control over another) for the purpose of exploitation (Law No. 958-IIQ of "
    "28 June 2005, Art. 1). For a child (under %(child_age)s) no means are needed. Where a means was used, the "
    "victim's consent does not matter.")

SCRIPTS = {
    Reason.INFORMATION: _(
        "Listen, answer the question, and say what the hotline and the Main Department can do. Help is free "
        "and the same for foreigners and stateless persons. Ask whether someone is at risk now."),
    Reason.JOB_OFFER_ABROAD: _(
        "Ask: who offers the job, in which country, is the pay unusually high, who pays the travel, who keeps "
        "the passport, is there a written contract in a language the caller reads? Warn: never hand over the "
        "passport; check the agency's licence; leave a relative the address and phone of the employer; keep "
        "the number of the embassy and of the 152 hotline."),
    Reason.SUSPECTED: _(
        "Ask what was seen or heard, where and when, and whether anyone is in danger now. Do not ask the "
        "caller to investigate. A child: no means are needed. Record a place only if given."),
    Reason.HELP: _(
        "Ask whether the person is safe now and how to reach them safely. Explain the rights: free help, "
        "shelter, medical and legal aid, a reflection period of %(reflection_days)s days, confidentiality, nothing "
        "against their will. Offer a referral to a place below."),
    Reason.DANGER_NOW: _(
        "Stay on the line. Ask where the person is now and whether they can talk safely. Record the place: "
        "the duty service of the Main Department is alerted at once — (+99412) 590-20-49. In immediate "
        "danger, also call 102 (police) or 112."),
}

# The services a place to refer to should offer, by reason (the directory's service kinds).
REFERRAL_SERVICES = {
    Reason.INFORMATION: ["legal"],
    Reason.JOB_OFFER_ABROAD: ["legal"],
    Reason.SUSPECTED: ["identification", "investigation"],
    Reason.HELP: ["shelter", "psychological", "legal", "medical"],
    Reason.DANGER_NOW: ["identification", "shelter"],
}


def scripts(*, user):
    """For each reason: its label, the script, the legal definition and the places to refer to (active
    institutions of the directory offering a fitting service; confidential addresses left out)."""
    from nicat.directory.models import Institution

    places_by_kind = {}
    wanted = {k for kinds in REFERRAL_SERVICES.values() for k in kinds}
    for inst in (Institution.objects.filter(active=True, services__kind__in=wanted, services__active=True)
                 .exclude(kind__code=predicates.HOTLINE_KIND).prefetch_related("services").distinct()
                 .order_by("name_az")):
        for service in inst.services.all():
            if service.active and service.kind in wanted:
                places_by_kind.setdefault(service.kind, []).append(inst)
    # The figures the scripts state are the law's in force today (the caller is met today), never a sentence's.
    today = baku_today()
    figures = {"child_age": child_age(today), "reflection_days": rules.reflection_days(today)}
    out = []
    for reason in Reason:
        seen, places = set(), []
        for kind in REFERRAL_SERVICES[reason]:
            for inst in places_by_kind.get(kind, []):
                if inst.pk not in seen:
                    seen.add(inst.pk)
                    places.append(inst)
        out.append({"code": reason.value, "label": reason.label, "script": SCRIPTS[reason] % figures,
                    "definition": DEFINITION % figures, "places": places[:8]})
    return out


# --- Alerts ----------------------------------------------------------------------------------------

def alerts_for(*, user, open_only=False):
    """The alerts `user` may see: the duty service's (its authority's), and those of their own hotline."""
    duty = predicates.duty_institution_ids(user)
    hotline = predicates.hotline_institution_ids(user)
    if not duty and not hotline:
        return Alert.objects.none()
    qs = Alert.objects.filter(Q(duty_institution_id__in=duty) | Q(contact__institution_id__in=hotline))
    if open_only:
        qs = qs.filter(acknowledged_at__isnull=True)
    return qs.select_related("contact__institution", "contact__region", "acknowledged_by")


def may_see_alerts(user):
    return predicates.is_duty_service(user) or predicates.is_hotline_staff(user)


def referral_choices(contact=None):
    """The institutions a caller may be referred to: the open ones — and, for an existing contact, the one it names
    (where the caller was sent is history: it stays as recorded after that institution has closed)."""
    rule = Q(active=True)
    if contact is not None and contact.referred_to_id is not None:
        rule |= Q(pk=contact.referred_to_id)
    return Institution.objects.filter(rule).order_by("name_az")
