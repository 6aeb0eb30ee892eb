"""Reads of the safety records, through the one access policy, audited.

`current_level(case)` and `annotate_level(queryset)` are for others (the case header, the work lists):
the level alone, no reasons, no audit (the level is shown with the case, whose read is audited).
"""
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from nicat.access import policy
from nicat.access.sections import RELATIVES, SECURITY
from nicat.audit import services as audit
from nicat.core.reads import Reads
from nicat.safety import services
from nicat.safety.models import Assessment, FamilyContact, Relative, SecurityMeasure

MIN_REASON = 5


def current_assessment(case):
    """The latest assessment of a case the caller already may see (the header's level, the gate)."""
    return services.current_assessment(case)


def current_level(case):
    """The current level of risk of `case` ("low" | "medium" | "high"), or None when never assessed."""
    assessment = services.current_assessment(case)
    return assessment.level if assessment else None


def annotate_level(queryset, name="safety_level"):
    """`queryset` over Case (scoped by the caller) with `name` = the current level (None when never assessed),
    in one query: the latest assessment is reached from each case of `queryset` itself."""
    latest = (queryset.filter(pk=OuterRef("pk"), safety_assessments__isnull=False)
              .order_by("-safety_assessments__assessed_at", "-safety_assessments__pk")
              .values("safety_assessments__level")[:1])
    return queryset.annotate(**{name: Subquery(latest)})


def levels(case_ids, *, user):
    """{case id: current level} of the cases `case_ids` that were assessed, in one query — for lists of
    cases their reader already may see (the work list). The level is for everyone on the case."""
    Case = policy.case_model()
    rows = annotate_level(Case.objects.visible_to(user).filter(pk__in=list(case_ids))).values_list(
        "pk", "safety_level")
    return {pk: level for pk, level in rows if level}


def shows_reasons(user, case):
    """The reasons and the safety plan are for the roles that assess — held at an institution through which the user
    sees the case (`policy.roles_on`); the level is for everyone on the case."""
    return (policy.case_visible(user, case)
            and bool(policy.roles_on(user, case) & services.ASSESS_ROLES))


def case_assessments(*, user, case, channel="page"):
    qs = Assessment.objects.visible_to(user).filter(case_id=case.pk).select_related(
        "assessed_by", "institution", "plan_written_by", "plan_confirmed_by")
    rows = list(qs)
    audit.record(actor=user, action="safety.list", case=case, details={"channel": channel, "shown": len(rows)})
    return rows


def assessment_for(*, user, uuid):
    try:
        return Assessment.objects.visible_to(user).select_related("case__owner_institution").get(uuid=uuid)
    except (Assessment.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def require_reason(reason):
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise ValidationError({"reason": _("Say why you open the security measures (at least %(n)d characters): "
                                           "the reason is kept in the audit trail.") % {"n": MIN_REASON}})
    return reason


def security_measures(*, user, case, reason, channel="page"):
    """The security measures of `case`: only for the roles of the "security" section (else 403 naming it),
    only with a reason, which the audit event keeps."""
    policy.require_section(user, case, SECURITY)
    reason = require_reason(reason)
    rows = list(SecurityMeasure.objects.visible_to(user).filter(case_id=case.pk))
    audit.record(actor=user, action="security.list", case=case, reason=audit.seal_reason(reason, audit.trail_key(case)),
                 details={"channel": channel, "shown": len(rows)})
    return rows


def security_measure(*, user, uuid, reason, channel="page"):
    try:
        measure = SecurityMeasure.objects.visible_to(user).select_related("case").get(uuid=uuid)
    except (SecurityMeasure.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None
    policy.require_section(user, measure.case, SECURITY)
    reason = require_reason(reason)
    audit.record(actor=user, action="security.view", obj=measure, case=measure.case,
                 reason=audit.seal_reason(reason, audit.trail_key(measure)),
                 details={"channel": channel})
    return measure


def sees_security(user, case):
    return policy.can_see_section(user, case, SECURITY)


def sees_relatives(user, case):
    return policy.can_see_section(user, case, RELATIVES)


def case_relatives(*, user, case, channel="page"):
    policy.require_section(user, case, RELATIVES)
    rows = list(Relative.objects.visible_to(user).filter(case_id=case.pk))
    audit.record(actor=user, action="relative.list", case=case, details={"channel": channel, "shown": len(rows)})
    return rows


def relative_for(*, user, uuid, audit_read=True, channel="page"):
    try:
        relative = Relative.objects.visible_to(user).select_related("case").get(uuid=uuid)
    except (Relative.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None
    policy.require_section(user, relative.case, RELATIVES)
    if audit_read:
        audit.record(actor=user, action="relative.view", obj=relative, case=relative.case,
                     details={"channel": channel})
    return relative


def find_relatives(*, user, name="", phone="", channel="page"):
    """Relatives and helpers found by their blind indexes (an exact name in any spelling and order, or a
    phone number), in the cases `user` may see and of which they see the "relatives" section. Nothing is
    decrypted to search."""
    if not (name or phone) or RELATIVES not in policy.visible_sections(user):
        return []
    qs = Relative.objects.visible_to(user).select_related("case")
    if name:
        qs = qs.filter(name_index=services.name_index(name))
    if phone:
        qs = qs.filter(phone_index=services.phone_index(phone))
    rows = [r for r in qs.order_by("pk")[:200] if sees_relatives(user, r.case)]
    # The event names the cases shown (never the name or number searched): each case's access trail names
    # the searcher (audit.selectors.BULK_READ_ACTIONS).
    audit.record(actor=user, action="relative.search", details={
        "channel": channel, "shown": len(rows), "by": "name" if name else "phone",
        **RELATIVES_AT_RISK.named(rows)})
    return rows


def case_family_contacts(*, user, case):
    return list(FamilyContact.objects.visible_to(user).filter(case_id=case.pk).select_related("relative"))


# --- the one read path of the API's resources (nicat.core.reads) ------------------------------------------

ASSESSMENTS = Reads(Assessment, "safety", related=("case__owner_institution", "assessed_by", "institution",
                                                   "plan_written_by", "plan_confirmed_by"))


class SecurityReads(Reads):
    """The API's reads of security measures: the reason the reader gave is free text about the danger the person
    is in, so the event keeps it sealed (`audit.seal_reason`: under the case's trail key when one case is read),
    as the page's reads do."""

    def viewed(self, user, obj, *, channel="page", reason="", **details):
        super().viewed(user, obj, channel=channel, reason=audit.seal_reason(reason, audit.trail_key(obj)), **details)

    def listed(self, user, *, shown, channel="page", reason="", records=None, **details):
        cases = {record.case_id for record in records or ()}
        key = audit.trail_key(next(iter(records))) if len(cases) == 1 else None
        super().listed(user, shown=shown, channel=channel, reason=audit.seal_reason(reason, key), records=records,
                       **details)


SECURITY_MEASURES = SecurityReads(SecurityMeasure, "security", related=("case__owner_institution",),
                                  section=SECURITY, check_each=True)
RELATIVES_AT_RISK = Reads(Relative, "relative", related=("case__owner_institution",), section=RELATIVES,
                          check_each=True)
FAMILY_CONTACTS = Reads(FamilyContact, "family_contact", related=("case", "relative"))
