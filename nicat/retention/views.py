"""Pages of a person's request to erase or correct their data: thin — a form, a service, a page."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nicat.access import policy
from nicat.access.decorators import case_worker_required
from nicat.core.errors import ConcurrentEdit, NotAllowed
from nicat.core.forms import apply_errors
from nicat.retention import selectors, services
from nicat.retention.forms import DecisionForm, RequestForm


def _visible_case(request, case_uuid):
    return policy.get_visible_or_404(policy.case_model().objects, request.user, uuid=case_uuid)


def _visible_request(request, request_uuid, *, audit=False):
    """The request through the one read path (the owner institution only); 404 otherwise."""
    try:
        return selectors.DATA_REQUESTS.get(request.user, request_uuid, audit=audit)
    except NotAllowed:
        raise Http404 from None


@case_worker_required
def request_new(request, case_uuid):
    case = _visible_case(request, case_uuid)
    if not services.may_record(request.user, case):
        raise PermissionDenied
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            data_request = services.record_request(
                actor=request.user, case=case, kind=data["kind"], requested_by=data["requested_by"],
                requested_on=data["requested_on"], details=data["details"], corrections=form.corrections())
        except ValidationError as error:
            apply_errors(form, error)
        except NotAllowed:
            raise Http404 from None
        else:
            messages.success(request, _("The request was recorded. A supervisor of %(owner)s decides it.") % {
                "owner": case.owner_institution.name})
            return redirect("retention:request", request_uuid=data_request.uuid)
    status = 400 if request.method == "POST" else 200
    return render(request, "retention/request_new.html", {"case": case, "form": form}, status=status)


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
    from nicat.accounts.models import Role

    if not policy.has_role_at(request.user, Role.SUPERVISOR, data_request.case.owner_institution):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.decide_request(actor=request.user, data_request=data_request,
                                    approve=form.cleaned_data["decision"] == "approve",
                                    reason=form.cleaned_data["reason"], expected_version=request.POST.get("version"))
        except ValidationError as error:
            apply_errors(form, error)
        except ConcurrentEdit:
            form.add_error(None, _("Someone decided this request meanwhile. Reload the page."))
        except NotAllowed:
            raise PermissionDenied from None
        else:
            messages.success(request, _("The decision was recorded."))
            return redirect("retention:request", request_uuid=data_request.uuid)
    return _render_detail(request, data_request, form, status=400)
