"""Consent pages: record a decision, withdraw a consent, open a signed form. Thin: parse, call, render."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from nicat.access import policy
from nicat.access import sections as access_sections
from nicat.access.decorators import case_worker_required
from nicat.cases.models import Case
from nicat.consent import conversation as conversation_service
from nicat.consent import selectors, services
from nicat.consent.forms import ConsentForm, ConversationForm, RejectOrderForm, VersionForm, WithdrawForm
from nicat.consent.models import Decision
from nicat.core.errors import ConcurrentEdit, NotAllowed
from nicat.core.forms import apply_errors, safe_next


@case_worker_required
@require_http_methods(["GET", "POST"])
def record(request, case_uuid):
    case = policy.get_visible_or_404(Case.objects, request.user, uuid=case_uuid)
    form = ConsentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            consent = services.record_consent(actor=request.user, case=case, data=form.to_service_data(),
                                              form_bytes=form.form_bytes())
        except ValidationError as error:
            apply_errors(form, error)
        except NotAllowed:
            raise Http404 from None
        else:
            if not consent.is_confirmed:
                messages.success(request, _("The person's wish was recorded. It counts once %(owner)s, which owns "
                                            "the case, confirms it; they were notified.")
                                 % {"owner": case.owner_institution.name})
            elif consent.decision == Decision.GIVEN:
                messages.success(request, _("The consent was recorded."))
            else:
                messages.success(request, _("The refusal was recorded. It will be respected."))
            target = _safe_next(request)
            return redirect(target) if target else redirect("cases:detail", case_uuid=case.uuid)
    if request.method == "GET":
        form.initial["given_at"] = timezone.localtime().replace(second=0, microsecond=0)
        for key in ("purpose", "service"):
            if request.GET.get(key):
                form.initial[key] = request.GET[key]
        if request.GET.get("institution"):
            form.initial["institution"] = request.GET["institution"]
    status = 400 if request.method == "POST" else 200
    return render(request, "consent/record.html", {"case": case, "person": case.person, "form": form,
                                                   "next": _safe_next(request),
                                                   "owner": services.owner_staff(request.user, case)}, status=status)


def _safe_next(request):
    return safe_next(request)


@case_worker_required
@require_http_methods(["GET", "POST"])
def conversation(request, case_uuid):
    """One consent conversation: every purpose the case will need, answered in one submission, then back to
    where the user came from (`next`)."""
    case = policy.get_visible_or_404(Case.objects, request.user, uuid=case_uuid)
    rows = conversation_service.topic_states(case)
    form = ConversationForm(request.POST or None, rows=rows)
    refusal = conversation_service.refusal_reason(request.user, case)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                consents = conversation_service.record_conversation(
                    actor=request.user, case=case, common=form.common(), answers=form.answers())
            except policy.Refused as error:
                form.add_error(None, error.user_message)
                status = 403
            except ValidationError as error:
                apply_errors(form, error)
            except NotAllowed:
                raise Http404 from None
            else:
                messages.success(request, _("The consent conversation was recorded: %(n)s answers.")
                                 % {"n": len(consents)})
                return redirect(_safe_next(request) or reverse("cases:detail", args=[case.uuid]) + "#consent")
    else:
        form.initial["given_at"] = timezone.localtime().replace(second=0, microsecond=0)
    return render(request, "consent/conversation.html", {
        "case": case, "person": case.person, "form": form, "rows": list(form.bound_rows()),
        "next": _safe_next(request), "refusal": refusal}, status=status)


@case_worker_required
def conversation_print(request, case_uuid):
    """The form the person signs: every purpose with the decision in force, and signature lines."""
    case = policy.get_visible_or_404(Case.objects, request.user, uuid=case_uuid)
    try:
        rows = conversation_service.print_form(actor=request.user, case=case)
    except NotAllowed:
        raise Http404 from None
    return render(request, "consent/conversation_print.html", {
        "case": case, "rows": rows, "printed_at": timezone.now(), "next": _safe_next(request)})


@case_worker_required
@require_http_methods(["GET", "POST"])
def withdraw(request, uuid):
    consent = selectors.consent_detail(user=request.user, uuid=uuid)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_consent(actor=request.user, consent=consent, note=form.cleaned_data["note"],
                                      expressed_by_person=form.cleaned_data["expressed_by_person"])
        except ValidationError as error:
            apply_errors(form, error)
        except NotAllowed:
            raise Http404 from None
        else:
            messages.success(request, _("The consent was withdrawn. Everything that depended on it has ended."))
            if Case.objects.visible_to(request.user).filter(pk=consent.case_id).exists():
                return redirect("cases:detail", case_uuid=consent.case.uuid)
            return redirect("web:dashboard")
    referrals = selectors.dependents(consent)
    return render(request, "consent/withdraw.html", {"consent": consent, "case": consent.case, "form": form,
                                                     "referrals": referrals,
                                                     "owner": services.owner_staff(request.user, consent.case)},
                  status=400 if request.method == "POST" else 200)


@case_worker_required
def signed_form(request, uuid):
    consent, data, content_type = selectors.consent_form(user=request.user, uuid=uuid)
    if data is None:
        raise Http404
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(content_type, "bin")
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="consent-{consent.uuid}.{extension}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@case_worker_required
@require_POST
def confirm(request, uuid):
    """The owner institution confirms a consent (or refusal) recorded elsewhere."""
    consent = selectors.consent_detail(user=request.user, uuid=uuid)
    form = VersionForm(request.POST)
    form.is_valid()
    try:
        services.confirm_consent(actor=request.user, consent=consent,
                                 expected_version=form.cleaned_data.get("version"))
    except (ValidationError, ConcurrentEdit) as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The decision was confirmed; it counts from now on."))
    return redirect(reverse("cases:detail", args=[consent.case.uuid]) + "#consent")


# --- legal-basis orders: the approvers' queue, the decision, approve or reject ----------------------------


@case_worker_required
def orders(request):
    status = request.GET.get("status") or ""
    page = Paginator(selectors.orders_for(user=request.user, status=status), 25).get_page(request.GET.get("page"))
    return render(request, "consent/orders.html", {"page": page, "status": status,
                                                   "approver": services.may_approve_legal_bases(request.user)})


@case_worker_required
def order(request, uuid):
    use = selectors.order_for(user=request.user, uuid=uuid)
    approver = services.may_approve_legal_bases(request.user)
    return render(request, "consent/order.html", {
        "use": use, "approver": approver, "own_request": use.used_by_id == request.user.pk,
        "sections": [access_sections.label(s) for s in use.sections],
        "referrals": selectors.order_dependents(use), "case_visible": Case.objects.visible_to(request.user).filter(
            pk=use.case_id).exists(),
        "reject_form": RejectOrderForm(initial={"version": use.version})})


def _decide(request, uuid, form_class, call, success):
    use = selectors.order_for(user=request.user, uuid=uuid)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(use, form.cleaned_data)
        except NotAllowed:
            messages.error(request, _("Only a supervisor of the competent authority approves or rejects a legal "
                                      "basis."))
        except (ValidationError, ConcurrentEdit) as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, success)
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("consent:order", uuid=use.uuid)


@case_worker_required
@require_POST
def order_approve(request, uuid):
    return _decide(request, uuid, VersionForm, lambda use, d: services.approve_legal_basis(
        actor=request.user, use=use, expected_version=d.get("version")),
        _("The legal basis was approved. The receiving institution and the owner institution were notified."))


@case_worker_required
@require_POST
def order_reject(request, uuid):
    return _decide(request, uuid, RejectOrderForm, lambda use, d: services.reject_legal_basis(
        actor=request.user, use=use, reason=d["reason"], expected_version=d.get("version")),
        _("The legal basis was rejected. Nothing is shared on it; the owner institution was notified."))


@case_worker_required
def order_copy(request, uuid):
    use, data, content_type = selectors.order_copy(user=request.user, uuid=uuid)
    if data is None:
        raise Http404
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(content_type, "bin")
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="decision-{use.uuid}.{extension}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
