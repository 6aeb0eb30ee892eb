"""Closing a case: only after a final review of the rehabilitation plan, with a reason (HTCDS).

The case edit page and the API's case update refuse to close a case; its close page and
`POST /api/v1/case-closures/` close it through `close_case`, which checks the assistance conditions, the
roles and the approval, and then calls nicat.cases.services.update_case in the same transaction.
"""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from nicat.assistance.models import PlanReview, RehabilitationPlan, Stay
from nicat.assistance.services._common import CLOSE_ROLES, require_owner_role
from nicat.cases.models import CLOSED_STATUSES, CaseStatus, ClosureReason
from nicat.core import approvals as gates

# Reasons for which a case may close without any rehabilitation plan: nothing was, or could be, planned.
CLOSABLE_WITHOUT_PLAN = frozenset({ClosureReason.NOT_A_VICTIM, ClosureReason.DUPLICATE, ClosureReason.DECEASED,
                                   ClosureReason.LOST_CONTACT, ClosureReason.DECLINED, ClosureReason.REFERRED})


def closing_problems(case, closure_reason):
    """Field errors that stop `case` from closing with `closure_reason` ({} when it may close)."""
    errors = {}
    if closure_reason not in ClosureReason.values:
        errors["closure_reason"] = _("Choose the reason for closing the case.")
        return errors
    plan = RehabilitationPlan.objects.of(case).first()
    if plan is not None:
        if not PlanReview.objects.of(plan).filter(is_final=True).exists():
            errors["closure_reason"] = _("The rehabilitation plan has no final review. Review the plan with the "
                                         "person (final review) before closing the case.")
    elif closure_reason not in CLOSABLE_WITHOUT_PLAN:
        errors["closure_reason"] = _("The case has no rehabilitation plan, so “%(reason)s” cannot be the reason. "
                                     "Draw up and review the plan, or choose the reason that applies.") % {
            "reason": ClosureReason(closure_reason).label}
    stay = Stay.objects.of(case).filter(ended_at__isnull=True).select_related("facility").first()
    if stay is not None:
        errors["status"] = _("The person is still staying at %(facility)s. Record their leaving first.") % {
            "facility": stay.facility}
    return errors


def close_case(*, actor, case, closure_reason, expected_version, status=CaseStatus.CLOSED, approval=None):
    """Close the case (status Closed or ClosedReferred) after the assistance checks; audited by update_case."""
    from nicat.cases.services import update_case

    require_owner_role(actor, case, CLOSE_ROLES, _("Only %(owner)s, which owns the case, closes it. Tell them when "
                                                   "your work with the person ends."))
    if status not in CLOSED_STATUSES:
        raise ValidationError({"status": _("Choose “Closed” or “Closed (referred)”.")})
    if case.status in CLOSED_STATUSES:
        raise ValidationError({"status": _("The case is already closed.")})
    errors = closing_problems(case, closure_reason)
    if errors:
        raise ValidationError(errors)
    # Where the owner wants its supervisor to approve closing, the case stays open until approved (issue 15).
    gates.gate(actor=actor, kind=gates.CASE_CLOSE, institution=case.owner_institution, case=case, target=case,
               payload={"closure_reason": closure_reason or "", "status": status, "version": expected_version},
               approval=approval)
    with transaction.atomic():
        errors = closing_problems(case, closure_reason)
        if errors:
            raise ValidationError(errors)
        return update_case(actor=actor, case=case, data={"status": status, "closure_reason": closure_reason},
                           expected_version=expected_version, closing=True)
