"""Reads of cases, always through the access policy."""
from nicat.audit import services as audit
from nicat.cases.models import Case, CaseNote, TraffickingEvent

LIST_M2M = ("exploitation_forms",)


def case_list(*, user, status=None, trafficking_status=None, exploitation=None, opened_from=None, opened_to=None,
              reference=None):
    qs = Case.objects.visible_to(user).select_related("owner_institution").prefetch_related(*LIST_M2M)
    if status:
        qs = qs.filter(status=status)
    if trafficking_status:
        qs = qs.filter(trafficking_status=trafficking_status)
    if exploitation:
        qs = qs.filter(exploitation_forms=exploitation)
    if opened_from:
        qs = qs.filter(first_contact_at__date__gte=opened_from)
    if opened_to:
        qs = qs.filter(first_contact_at__date__lte=opened_to)
    if reference:
        ref = reference.strip().upper()
        if ref.isdigit():  # "123" finds NCT-2026-000123
            qs = qs.filter(reference__endswith="-" + ref.zfill(6))
        else:
            qs = qs.filter(reference__contains=ref)
    return qs.order_by("-first_contact_at", "-id")


def case_detail(*, user, case_uuid, purpose=""):
    """The case for its page or API read; the read of identifying data is audited."""
    from nicat.access.policy import get_visible_or_404

    case = get_visible_or_404(
        Case.objects, user, uuid=case_uuid
    )
    audit.record(actor=user, action="case.view", obj=case, case=case, reason=purpose)
    return case


def case_notes(*, user, case):
    return CaseNote.objects.visible_to(user).filter(case=case).select_related("author")


def case_events(*, user, case):
    return TraffickingEvent.objects.visible_to(user).filter(case=case).select_related("country")
