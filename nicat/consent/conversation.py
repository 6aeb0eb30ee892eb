"""One consent conversation: every purpose a case will need, asked once, answered in one submission.

At intake and at any later point the owner institution goes through the list with the person (for a
child, with the legal representative): a referral, the shelter, each of the seven areas of
rehabilitation, referral for identification, sharing with law enforcement, notifying the embassy,
contacting the family, a return, a temporary residence permit, research. Each answer is given, refused or
not asked; the given and refused ones become `Consent` rows through `record_consent` (the one way a decision
is written), all in one transaction with one audit event for the conversation. One shelter stay needs one
conversation.
"""
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nicat.access import policy
from nicat.audit import services as audit
from nicat.consent.models import Decision, Purpose
from nicat.consent.services import decisive_consent, owner_staff, record_consent
from nicat.core.errors import NotAllowed
from nicat.core.services import require_visible
from nicat.directory.models import ServiceKind

NOT_ASKED = "not_asked"
ANSWERS = ((Decision.GIVEN, gettext_lazy("Given")), (Decision.REFUSED, gettext_lazy("Refused")),
           (NOT_ASKED, gettext_lazy("Not asked")))
COMMON_FIELDS = ("given_by", "representative_name", "representative_relation", "child_view", "method",
                 "interpreter_language", "given_at", "note")
# The seven areas of the rehabilitation plan (nicat.assistance.models.Area) are services of the directory.
AREAS = ("legal", "education", "psychological", "medical", "vocational", "employment", "housing")


@dataclass(frozen=True)
class Topic:
    key: str
    purpose: str
    service: str = ""
    names_institution: bool = False   # the answer is for one institution, which must be named
    may_name_institution: bool = False  # an institution may be named (blank: any authorised provider)
    kinds: tuple = ()                 # institution kinds offered (empty: any)

    @property
    def label(self):
        text = str(Purpose(self.purpose).label)
        return f"{text} — {ServiceKind(self.service).label}" if self.service else text


TOPICS = (
    Topic("referral", Purpose.REFERRAL, names_institution=True),
    Topic("shelter", Purpose.SERVICE, "shelter", names_institution=True, kinds=("shelter", "assistance_centre")),
    *(Topic(area, Purpose.SERVICE, area, may_name_institution=True) for area in AREAS),
    Topic("identification", Purpose.IDENTIFICATION),
    Topic("law_enforcement", Purpose.LAW_ENFORCEMENT),
    Topic("consular_notification", Purpose.CONSULAR_NOTIFICATION, names_institution=True,
          kinds=("embassy_consulate",)),
    Topic("family_contact", Purpose.FAMILY_CONTACT),
    Topic("return", Purpose.RETURN),
    # For a foreign national or a stateless person: the application is made only on her request.
    Topic("residence_permit", Purpose.RESIDENCE_PERMIT),
    Topic("research", Purpose.RESEARCH),
)
TOPIC_BY_KEY = {t.key: t for t in TOPICS}


def institutions_concerned(case):
    """{topic key: institution} the case already points at: the institution of its latest referral and the
    facility of its stay (so that the page proposes them)."""
    from django.apps import apps

    found = {}
    Referral = apps.get_model("referrals", "Referral")
    referral = (Referral.objects.of(case).exclude(status__in=("revoked", "declined", "cancelled"))
                .select_related("to_institution").order_by("-created_at").first())
    if referral is not None:
        found["referral"] = referral.to_institution
        if referral.to_institution.is_special_institution:
            found["shelter"] = referral.to_institution
    Stay = apps.get_model("assistance", "Stay")
    stay = Stay.objects.of(case).select_related("facility__institution").order_by(
        "-admitted_at").first()
    if stay is not None:
        found["shelter"] = stay.facility.institution
    return found


def topic_states(case, institutions=None):
    """[(topic, institution proposed, state, decisive consent)] for the page and the printed form."""
    institutions = institutions if institutions is not None else institutions_concerned(case)
    rows = []
    for topic in TOPICS:
        institution = institutions.get(topic.key)
        if topic.names_institution and institution is None:
            state, consent = "missing", None
        else:
            state, consent = decisive_consent(case=case, purpose=topic.purpose, institution=institution,
                                              service=topic.service)
        rows.append((topic, institution, state, consent))
    return rows


def refusal_reason(actor, case):
    """Why `actor` may not hold the conversation on `case` (which they see), or "" when they may."""
    if owner_staff(actor, case) is None:
        return _("Only %(owner)s, which owns the case, records the consent conversation. If the person tells you "
                 "a decision, ask %(owner)s to record it.") % {"owner": case.owner_institution.name}
    return ""


def record_conversation(*, actor, case, common, answers):
    """Record the answers of one conversation. `common`: who gave them and how (given_by,
    representative_name, representative_relation, child_view, method, interpreter_language, given_at,
    note); `answers`: {topic key: {"answer": given|refused|not_asked, "institution": Institution|None}}.

    The owner institution only (anyone else: `policy.Refused` with the reason; a case out of sight: 404).
    All or nothing: every answer is checked first, errors keyed `<topic>-answer` / `<topic>-institution`
    or by the common field; then each given or refused answer becomes a consent, with one audit event for
    the conversation. Returns the consents recorded."""
    require_visible(actor, case)
    reason = refusal_reason(actor, case)
    if reason:
        raise policy.Refused(reason)
    errors = {}
    chosen = []
    for key, item in answers.items():
        topic = TOPIC_BY_KEY.get(key)
        if topic is None:
            raise ValidationError(_("Unknown purpose in the conversation: %(key)s.") % {"key": key})
        answer = item.get("answer") or NOT_ASKED
        if answer not in (Decision.GIVEN, Decision.REFUSED, NOT_ASKED):
            errors[f"{key}-answer"] = _("Choose given, refused or not asked.")
            continue
        if answer == NOT_ASKED:
            continue
        institution = item.get("institution")
        if topic.names_institution and institution is None:
            errors[f"{key}-institution"] = _("Name the institution this answer is for.")
            continue
        chosen.append((topic, answer, institution))
    if not chosen and not errors:
        raise ValidationError(_("No answer was recorded: mark at least one purpose as given or refused."))
    data_common = {f: common.get(f) for f in COMMON_FIELDS}
    from nicat.consent.services import validate_consent_data

    for topic, answer, institution in chosen:
        try:
            validate_consent_data({**data_common, "purpose": topic.purpose, "service": topic.service,
                                   "institution": institution, "decision": answer}, case=case)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                target = f"{topic.key}-{field}" if field in ("institution", "service", "purpose") else field
                errors.setdefault(target, [])
                errors[target].extend(m for m in messages if m not in errors[target])
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        consents = [record_consent(actor=actor, case=case, data={
            **data_common, "purpose": topic.purpose, "service": topic.service, "institution": institution,
            "decision": answer}) for topic, answer, institution in chosen]
        audit.record(actor=actor, action="consent.conversation", case=case, obj=case,
                     institution=owner_staff(actor, case),
                     details={"answers": {t.key: a for t, a, _i in chosen},
                              "not_asked": sorted(set(TOPIC_BY_KEY) - {t.key for t, _a, _i in chosen}),
                              "consents": [str(c.uuid) for c in consents]})
    return consents


def print_form(*, actor, case):
    """The rows of the form the person signs (the decision in force for every purpose), audited."""
    require_visible(actor, case)
    if owner_staff(actor, case) is None and policy.institution_on(actor, case) is None:
        raise NotAllowed
    rows = topic_states(case)
    audit.record(actor=actor, action="consent.form_print", case=case, obj=case,
                 institution=policy.institution_on(actor, case))
    return rows
