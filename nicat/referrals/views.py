"""Referral pages: the queues, sending, answering, working on a referral, notifications. Thin views."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from nicat.access import policy
from nicat.access import sections as access_sections
from nicat.access.decorators import case_worker_required
from nicat.cases.models import Case
from nicat.consent.models import Purpose
from nicat.core import pages, submissions
from nicat.core.errors import NotAllowed
from nicat.core.forms import apply_errors
from nicat.directory.selectors import institution_address_visible_to
from nicat.referrals import notify, sections, selectors, services
from nicat.referrals.forms import ArrivalForm, ReasonForm, ReferralForm, ReturnPlanForm, TextForm


@case_worker_required
def referral_list(request):
    box = request.GET.get("box") if request.GET.get("box") in ("incoming", "outgoing") else "incoming"
    state = "closed" if request.GET.get("state") == "closed" else "open"
    qs = (selectors.incoming if box == "incoming" else selectors.outgoing)(user=request.user, state=state)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "referrals/list.html", {"box": box, "state": state, "page": page,
                                                   "now": timezone.now()})


@case_worker_required
@require_http_methods(["GET", "POST"])
def referral_new(request, case_uuid):
    case = policy.get_visible_or_404(Case.objects, request.user, uuid=case_uuid)
    form = ReferralForm(request.POST or None, request.FILES or None, exclude_institution=case.owner_institution)
    if request.method == "GET":
        if request.GET.get("to"):
            form.initial["to_institution"] = request.GET["to"]
        purpose = request.GET.get("purpose")
        if purpose in sections.DEFAULT:
            form.initial["purpose"] = purpose
            form.initial["shared_sections"] = sections.DEFAULT[purpose]
    missing_consent = None
    if request.method == "POST" and form.is_valid():
        try:
            referral = submissions.once(request, lambda: services.create_referral(
                actor=request.user, case=case, data=form.service_data()),
                location=lambda referral: reverse("referrals:detail", kwargs={"uuid": referral.uuid}))
        except submissions.Repeated as error:
            return pages.repeated(request, error, reverse("cases:detail", args=[case.uuid]))
        except submissions.Mismatch:
            form.add_error(None, pages.changed_since_sent())
        except ValidationError as error:
            apply_errors(form, error)
            if hasattr(error, "error_dict") and "consent" in error.error_dict:
                missing_consent = {"purpose": form.cleaned_data["purpose"],
                                   "institution": form.cleaned_data["to_institution"].uuid,
                                   "service": form.cleaned_data.get("service") or ""}
        except NotAllowed:
            raise Http404 from None
        else:
            if referral.legal_basis_use_id:
                messages.success(request, _("The referral to %(institution)s waits for a supervisor of the competent "
                                            "authority to approve the legal basis. Until then nothing is shared.")
                                 % {"institution": referral.to_institution.name})
            else:
                messages.success(request, _("The referral was sent to %(institution)s.") % {
                    "institution": referral.to_institution.name})
            return redirect("referrals:detail", uuid=referral.uuid)
    return render(request, "referrals/new.html", {
        "case": case, "form": form, "missing_consent": missing_consent,
    }, status=400 if request.method == "POST" else 200)


@case_worker_required
def referral_detail(request, uuid):
    referral = selectors.referral_for(user=request.user, uuid=uuid, shown=True)
    side = selectors.sides(request.user, referral)
    # The return plan (travel, point of arrival) is read as the message is: not by a receiver once closed.
    plan_visible = referral.purpose == Purpose.RETURN and selectors.return_plan_visible(request.user, referral)
    plan = selectors.return_plan(user=request.user, referral=referral) if plan_visible else None
    case_visible = Case.objects.visible_to(request.user).filter(pk=referral.case_id).exists()
    context = {
        "referral": referral, "side": side, "plan": plan, "plan_visible": plan_visible, "case_visible": case_visible,
        "message_visible": selectors.message_visible(request.user, referral),
        "events": selectors.referral_events(user=request.user, referral=referral),
        "shared": [access_sections.label(s) for s in referral.shared_sections],
        "to_address_visible": institution_address_visible_to(request.user, referral.to_institution),
        "reason_form": ReasonForm(initial={"version": referral.version}),
        "text_form": TextForm(initial={"version": referral.version}),
        "plan_form": ReturnPlanForm(initial=_plan_initial(plan)),
        "arrival_form": ArrivalForm(initial={"arrived_at": timezone.localtime().replace(second=0, microsecond=0),
                                             "version": plan.version if plan else None}),
    }
    return render(request, "referrals/detail.html", context)


def _plan_initial(plan):
    if plan is None:
        return {}
    return {"documents": plan.documents, "travel_date": plan.travel_date,
            "arrival_at": timezone.localtime(plan.arrival_at) if plan.arrival_at else None,
            "arrival_point": plan.arrival_point, "travel_details": plan.travel_details, "version": plan.version}


def _act(request, uuid, form_class, call, success):
    """Run one action on a referral from a POSTed form (nicat.core.pages.act); back to its detail page
    with the outcome, or the reason it was not done."""
    referral = selectors.referral_for(user=request.user, uuid=uuid)
    return pages.act(request, lambda data: call(referral, data), success=success,
                     next_page=reverse("referrals:detail", kwargs={"uuid": referral.uuid}),
                     form=form_class(request.POST) if form_class else None)


@case_worker_required
@require_POST
def accept(request, uuid):
    return _act(request, uuid, TextForm, lambda r, d: services.accept_referral(
        actor=request.user, referral=r, note=d.get("text", ""), expected_version=d.get("version")),
        _("The referral was accepted. The case is now visible to your institution (the shared sections)."))


@case_worker_required
@require_POST
def decline(request, uuid):
    return _act(request, uuid, ReasonForm, lambda r, d: services.decline_referral(
        actor=request.user, referral=r, reason=d["reason"], expected_version=d.get("version")),
        _("The referral was declined. The sender was notified."))


@case_worker_required
@require_POST
def cancel(request, uuid):
    return _act(request, uuid, ReasonForm, lambda r, d: services.cancel_referral(
        actor=request.user, referral=r, reason=d["reason"], expected_version=d.get("version")),
        _("The referral was cancelled. The receiving institution was notified."))


@case_worker_required
@require_POST
def progress(request, uuid):
    return _act(request, uuid, TextForm, lambda r, d: services.report_progress(
        actor=request.user, referral=r, text=d.get("text", "")), _("The progress report was added."))


@case_worker_required
@require_POST
def complete(request, uuid):
    return _act(request, uuid, TextForm, lambda r, d: services.complete_referral(
        actor=request.user, referral=r, text=d.get("text", ""), expected_version=d.get("version")),
        _("The referral was completed. Your institution's access to the case has ended."))


@case_worker_required
@require_POST
def return_plan(request, uuid):
    def call(referral, data):
        data = dict(data)
        version = data.pop("version", None)
        services.save_return_plan(actor=request.user, referral=referral, data=data, expected_version=version)

    return _act(request, uuid, ReturnPlanForm, call, _("The return plan was saved."))


@case_worker_required
@require_POST
def arrival(request, uuid):
    return _act(request, uuid, ArrivalForm, lambda r, d: services.record_arrival(
        actor=request.user, referral=r, arrived_at=d["arrived_at"], note=d.get("note", ""),
        expected_version=d.get("version")),
        _("The arrival was recorded."))


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request):
    if request.method == "POST":
        notify.mark_read(actor=request.user)
        messages.success(request, _("All notifications are marked as read."))
        return redirect("referrals:notifications")
    return render(request, "referrals/notifications.html",
                  {"notifications": notify.user_notifications(request.user)})


@login_required
def notification_open(request, uuid):
    notification = notify.notification_for(request.user, uuid)
    if notification is None:
        raise Http404
    notify.mark_read(actor=request.user, uuids=[notification.uuid])
    link = notification.link or reverse("referrals:notifications")
    if not url_has_allowed_host_and_scheme(link, allowed_hosts=None) or not link.startswith("/"):
        link = reverse("referrals:notifications")
    return redirect(link)

