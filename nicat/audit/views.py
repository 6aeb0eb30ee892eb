"""Supervisor pages: the audit trail browser and "who accessed this record". Read-only."""
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _

from nicat.access import policy
from nicat.audit import selectors
from nicat.audit.forms import TrailFilterForm
from nicat.audit.services import record, unwrap_reason_keys

PAGE_SIZE = 50


def _require_supervisor(user):
    if not selectors.is_supervisor(user):
        raise PermissionDenied


@login_required
def trail(request):
    _require_supervisor(request.user)
    form = TrailFilterForm(request.GET or None)
    events = selectors.trail_for(user=request.user)
    filters = {}
    if form.is_bound and form.is_valid():
        filters = form.filters()
        events = selectors.filter_trail(events, **filters)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # the events shown are the events the read names
    unwrap_reason_keys(page.object_list)
    reasons = selectors.break_glass_reasons(user=request.user, events=page.object_list)
    record(actor=request.user, action="audit.view", details={
        "page": page.number, "filters": {k: (v.isoformat() if hasattr(v, "isoformat") else v)
                                         for k, v in filters.items() if v},
        **selectors.cases_of_reasons(page.object_list, reasons)})
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/trail.html", {"form": form, "page": page, "query": query.urlencode(),
                                                "reasons": reasons},
                  status=400 if form.is_bound and form.errors else 200)


@login_required
def case_access(request, case_uuid):
    _require_supervisor(request.user)
    case = policy.get_visible_or_404(policy.case_model().objects, request.user, uuid=case_uuid)
    page = Paginator(selectors.case_trail(case=case), PAGE_SIZE).get_page(request.GET.get("page"))
    accessors = selectors.case_accessors(case=case)
    record(actor=request.user, action="audit.case_view", obj=case, case=case,
           institution=policy.acting_institution(request.user), details={"page": page.number})
    return render(request, "audit/case_access.html", {
        "case": case, "page": page, "accessors": accessors,
        "reasons": selectors.break_glass_reasons(user=request.user, events=page.object_list)})


@login_required
def person_report(request, person_uuid):
    """A printable report of every access to one person's data: the answer to a subject-access request."""
    _require_supervisor(request.user)
    from django.utils import timezone

    person = policy.get_visible_or_404(policy.person_model().objects, request.user, uuid=person_uuid)
    if not policy.persons_with_section(request.user, [person.pk], "identity"):
        # the report is headed with the person's name: a referral sharing only the medical section does not open it
        raise policy.Refused(_("The access report shows the person's name, and the identity section of this "
                               "person is not shared with your institution. Ask the institution that owns the case."))
    events = list(selectors.person_trail(person=person, user=request.user))
    unwrap_reason_keys(events)
    record(actor=request.user, action="audit.person_report", obj=person,
           institution=policy.acting_institution(request.user), details={"events": len(events)})
    return render(request, "audit/person_report.html", {
        "person": person, "events": events, "generated_at": timezone.now(),
        "reasons": selectors.break_glass_reasons(user=request.user, events=events)})
