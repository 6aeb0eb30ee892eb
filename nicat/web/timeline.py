"""The case's timeline: everything that happened, newest first, in the reader's language — only what
the reader may see (each app's scoped reads and the access policy's sections decide, as on the panels).

Built here, in `web` (above the domain apps), because it reads from several of them; each entry is a
plain dict the template `web/_timeline.html` draws:
{"when": datetime | date, "kind": "case" | "event" | "note" | "screening" | "decision" | "referral" |
"stay" | "service" | "consent", "title": str, "detail": str, "url": str}.
"""
import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from nicat.access import policy


def _sort_key(entry):
    when = entry["when"]
    if isinstance(when, datetime.datetime):
        return timezone.localtime(when).replace(tzinfo=None) if timezone.is_aware(when) else when
    return datetime.datetime.combine(when, datetime.time.min)


def _name(institution):
    return institution.name if institution else "—"


def case_timeline(*, user, case):
    from nicat.assistance import selectors as assistance_selectors
    from nicat.assistance.services._common import MEDICAL_KINDS
    from nicat.cases import selectors as case_selectors
    from nicat.consent import selectors as consent_selectors
    from nicat.identification import selectors as identification_selectors
    from nicat.referrals import selectors as referral_selectors

    sections = policy.visible_sections(user, case)
    entries = [{"when": case.created_at, "kind": "case", "url": "",
                "title": _("Case opened by %(institution)s") % {"institution": _name(case.owner_institution)},
                "detail": case.get_came_to_notice_display()}]
    if "narrative" in sections:
        for event in case_selectors.case_events(user=user, case=case):
            if event.date_from or event.date_to:
                entries.append({"when": event.date_from or event.date_to, "kind": "event", "url": "#route-heading",
                                "title": _("Trafficking event: %(stage)s") % {"stage": event.get_kind_display()},
                                "detail": ", ".join(x for x in (event.country.label if event.country else "",
                                                                event.place) if x)})
        for note in case_selectors.case_notes(user=user, case=case):
            author = note.author.get_full_name() or note.author.get_username() if note.author else ""
            entries.append({"when": note.created_at, "kind": "note", "url": "#notes-heading",
                            "title": _("Note by %(author)s") % {"author": author or _name(note.author_institution)},
                            "detail": note.text if len(note.text) <= 160 else note.text[:157] + "…"})
    for screening in identification_selectors.screenings_for_case(user=user, case=case):
        url = reverse("identification:screening", args=[case.uuid, screening.uuid])
        entries.append({"when": screening.created_at, "kind": "screening", "url": url, "detail": "",
                        "title": _("Screening started by %(institution)s") % {
                            "institution": _name(screening.institution)}})
        if screening.completed_at:
            entries.append({"when": screening.completed_at, "kind": "screening", "url": url,
                            "title": _("Screening completed"),
                            "detail": screening.get_next_step_display() if screening.next_step else ""})
    identification = identification_selectors.identification_for_case(user=user, case=case)
    if identification is not None and identification.referred_at:
        entries.append({"when": identification.referred_at, "kind": "referral", "url": "#identification-heading",
                        "title": _("Referred for identification to %(institution)s") % {
                            "institution": _name(identification.referred_to)}, "detail": ""})
    for decision in identification_selectors.decisions_for_case(user=user, case=case):
        entries.append({"when": decision.decided_on, "kind": "decision", "url": "#identification-heading",
                        "title": _("Official decision: %(outcome)s") % {"outcome": decision.get_outcome_display()},
                        "detail": _name(decision.institution)})
    for referral in referral_selectors.case_referrals(user=user, case=case):
        url = reverse("referrals:detail", args=[referral.uuid])
        names = {"from": _name(referral.from_institution), "to": _name(referral.to_institution),
                 "purpose": referral.get_purpose_display()}
        entries.append({"when": referral.created_at, "kind": "referral", "url": url, "detail": names["purpose"],
                        "title": _("Referral from %(from)s to %(to)s") % names})
        if referral.responded_at:
            entries.append({"when": referral.responded_at, "kind": "referral", "url": url,
                            "title": _("Referral answered by %(to)s: %(status)s") % {
                                **names, "status": referral.get_status_display()}, "detail": ""})
        if referral.completed_at:
            entries.append({"when": referral.completed_at, "kind": "referral", "url": url, "detail": "",
                            "title": _("Referral to %(to)s completed") % names})
        if referral.cancelled_at:
            entries.append({"when": referral.cancelled_at, "kind": "referral", "url": url, "detail": "",
                            "title": _("Referral to %(to)s cancelled") % names})
    for stay in assistance_selectors.case_stays(user=user, case=case):
        place = _name(stay.facility.institution)
        entries.append({"when": stay.admitted_at, "kind": "stay", "url": "", "detail": stay.get_group_display(),
                        "title": _("Admitted to %(place)s") % {"place": place}})
        if stay.ended_at:
            entries.append({"when": stay.ended_at, "kind": "stay", "url": "",
                            "title": _("Left %(place)s") % {"place": place},
                            "detail": stay.get_end_kind_display() if stay.end_kind else ""})
    show_medical = "medical" in sections
    for service in assistance_selectors.case_services(user=user, case=case):
        hidden = service.kind in MEDICAL_KINDS and not show_medical
        entries.append({"when": service.delivered_at, "kind": "service", "url": "",
                        "title": _("Service: %(kind)s") % {
                            "kind": _("(health information)") if hidden else service.get_kind_display()},
                        "detail": _name(service.provider)})
    # Purpose and answer, as the consent panel lists them (who gave it stays under the panel's rules).
    for consent in consent_selectors.case_consents(user=user, case=case):
        entries.append({"when": consent.given_at, "kind": "consent", "url": "",
                        "title": _("Consent (%(purpose)s): %(decision)s") % {
                            "purpose": consent.get_purpose_display(), "decision": consent.get_decision_display()},
                        "detail": _name(consent.institution) if consent.institution_id else ""})
        if consent.withdrawn_at:
            entries.append({"when": consent.withdrawn_at, "kind": "consent", "url": "", "detail": "",
                            "title": _("Consent (%(purpose)s) withdrawn") % {
                                "purpose": consent.get_purpose_display()}})
    entries.sort(key=_sort_key, reverse=True)
    for entry in entries:
        entry["is_date"] = not isinstance(entry["when"], datetime.datetime)
    return entries
