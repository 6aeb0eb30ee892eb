"""Pages of a person's request to erase or correct their data: thin — a form, a service, a page."""
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nicat.access import policy
from nicat.access.decorators import case_worker_required
from nicat.core import pages
from nicat.retention import selectors, services
from nicat.retention.forms import DecisionForm, RequestForm


def _visible_case(request, case_uuid):
    return policy.get_visible_or_404(policy.case_model().objects, request.user, uuid=case_uuid)


def _visible_request(request, request_uuid, *, audit=False):
    """The request through the one read path (the owner institution only); 404 otherwise."""
    return selectors.DATA_REQUESTS.get_or_404(request.user, request_uuid, audit=audit)


@case_worker_required
def request_new(request, case_uuid):
    case = _visible_case(request, case_uuid)
    if not services.may_record(request.user, case):
        raise PermissionDenied
    form = RequestForm(request.POST or None)
    return pages.form_page(
        request, form, call=lambda data: services.record_request(
            actor=request.user, case=case, kind=data["kind"], requested_by=data["requested_by"],
            requested_on=data["requested_on"], details=data["details"], corrections=form.corrections()),
        success=_("The request was recorded. A supervisor of %(owner)s decides it.") % {
            "owner": case.owner_institution.name},
        next_page=_request_page, refused_on_form=False, template="retention/request_new.html",
        context={"case": case})


def _request_page(data_request):
    return reverse("retention:request", kwargs={"request_uuid": data_request.uuid})


@case_worker_required
def request_detail(request, request_uuid):
    data_request = _visible_request(request, request_uuid, audit=True)
    return _render_detail(request, data_request, DecisionForm())


def _render_detail(request, data_request, form, status=200):
    from nicat.persons.models import Person

    corrections = [(Person._meta.get_field(name).verbose_name, value)
                   for name, value in (data_request.corrections or {}).items() if name in services.CORRECTABLE]
    return render(request, "retention/request_detail.html", {
        "data_request": data_request, "case": data_request.case, "form": form, "corrections": corrections,
        "may_decide": data_request.status == "open" and services.may_decide(request.user, data_request)},
        status=status)


@case_worker_required
@require_POST
def request_decide(request, request_uuid):
    data_request = _visible_request(request, request_uuid)
    if not services.is_owner_supervisor(request.user, data_request):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    return pages.form_page(
        request, form, call=lambda data: services.decide_request(
            actor=request.user, data_request=data_request, approve=data["decision"] == "approve",
            reason=data["reason"], expected_version=request.POST.get("version")),
        success=_("The decision was recorded."), next_page=_request_page(data_request), refused_on_form=False,
        not_allowed=403, render_page=lambda status: _render_again(request, data_request, form, status))


def _render_again(request, data_request, form, status):
    """The request's page again with the decision's errors: what the person asked is shown again, a read like the
    first (`datarequest.view`)."""
    selectors.DATA_REQUESTS.viewed(request.user, data_request)
    return _render_detail(request, data_request, form, status=status)
