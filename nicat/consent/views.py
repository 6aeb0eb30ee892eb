"""Consent pages: record a decision, withdraw a consent, open a signed form. Thin: parse, call, render."""
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
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
from nicat.consent.forms import (
    ConsentForm,
    ConversationForm,
    RejectOrderForm,
    ResolveWishForm,
    VersionForm,
    WithdrawAllForm,
    WithdrawalWishForm,
    WithdrawForm,
)
from nicat.consent.models import Decision
from nicat.core import pages
from nicat.core.errors import NotAllowed
from nicat.core.forms import safe_next


@case_worker_required
@require_http_methods(["GET", "POST"])
def record(request, case_uuid):
    case = policy.get_visible_or_404(Case.objects, request.user, uuid=case_uuid)
    form = ConsentForm(request.POST or None, request.FILES or None)
    if request.method == "GET":
        form.initial["given_at"] = timezone.localtime().replace(second=0, microsecond=0)
        for key in ("purpose", "service"):
            if request.GET.get(key):
                form.initial[key] = request.GET[key]
        if request.GET.get("institution"):
            form.initial["institution"] = request.GET["institution"]

    def recorded(consent):
        if not consent.is_confirmed:
            return _("The person's wish was recorded. It counts once %(owner)s, which owns the case, confirms it; "
                     "they were notified.") % {"owner": case.owner_institution.name}
        if consent.decision == Decision.GIVEN:
            return _("The consent was recorded.")
        return _("The refusal was recorded. It will be respected.")

    return pages.form_page(
        request, form, call=lambda data: services.record_consent(
            actor=request.user, case=case, data=form.to_service_data(), form_bytes=form.form_bytes()),
        success=recorded, next_page=_safe_next(request) or reverse("cases:detail", args=[case.uuid]),
        refused_on_form=False, template="consent/record.html",
        context=lambda: {"case": case, "person": case.person, "next": _safe_next(request),
                         "owner": services.owner_staff(request.user, case)})


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
    if request.method != "POST":
        form.initial["given_at"] = timezone.localtime().replace(second=0, microsecond=0)
    return pages.form_page(
        request, form, call=lambda data: conversation_service.record_conversation(
            actor=request.user, case=case, common=form.common(), answers=form.answers()),
        success=lambda consents: _("The consent conversation was recorded: %(n)s answers.") % {"n": len(consents)},
        next_page=_safe_next(request) or reverse("cases:detail", args=[case.uuid]) + "#consent",
        template="consent/conversation.html",
        # Outside the owner institution the page shows only why it is not theirs: the decisions of every purpose
        # (the police, an embassy …) are what the person shared with others (selectors.concerning).
        context=lambda: {"case": case, "person": case.person, "rows": [] if refusal else list(form.bound_rows()),
                         "next": _safe_next(request), "refusal": refusal})


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

    def back(_result):
        if Case.objects.visible_to(request.user).filter(pk=consent.case_id).exists():
            return reverse("cases:detail", args=[consent.case.uuid])
        return reverse("web:dashboard")

    return pages.form_page(
        request, form, call=lambda data: services.withdraw_consent(
            actor=request.user, consent=consent, note=data["note"], expressed_by_person=data["expressed_by_person"]),
        success=_("The consent was withdrawn. Everything that depended on it has ended."), next_page=back,
        refused_on_form=False, template="consent/withdraw.html",
        context=lambda: {"consent": consent, "case": consent.case,
                         "referrals": selectors.dependents(consent, request.user),
                         "owner": services.owner_staff(request.user, consent.case)})


@case_worker_required
@require_http_methods(["GET", "POST"])
def withdraw_all(request, case_uuid):
    """The person withdraws every consent — also those given to others that this page does not list."""
    case = policy.get_visible_or_404(Case.objects, request.user, uuid=case_uuid)
    form = WithdrawAllForm(request.POST or None)
    owner = services.owner_staff(request.user, case)

    def done(count):
        if owner is not None:
            return _("Every consent of the person was withdrawn (%(n)s). Everything that depended on them has "
                     "ended.") % {"n": count}
        return _("Every consent of the person was withdrawn. Everything that depended on them has ended, and "
                 "%(owner)s, which owns the case, was notified.") % {"owner": case.owner_institution.name}

    def back(_result):
        if Case.objects.visible_to(request.user).filter(pk=case.pk).exists():
            return reverse("cases:detail", args=[case.uuid])
        return reverse("web:dashboard")

    return pages.form_page(
        request, form, call=lambda data: services.withdraw_all_consents(
            actor=request.user, case=case, note=data["note"], expressed_by_person=data["expressed_by_person"]),
        success=done, next_page=back, refused_on_form=False, template="consent/withdraw_all.html",
        context=lambda: {"case": case, "owner": owner})


@case_worker_required
@require_http_methods(["GET", "POST"])
def withdrawal_wish(request, case_uuid):
    """The person withdraws a consent not listed here (given to others, which this institution does not see):
    her wish is recorded for the owner institution to act on; nothing is withdrawn by it."""
    case = policy.get_visible_or_404(Case.objects, request.user, uuid=case_uuid)
    form = WithdrawalWishForm(request.POST or None)
    return pages.form_page(
        request, form, call=lambda data: services.record_withdrawal_wish(actor=request.user, case=case,
                                                                         note=data["note"]),
        success=_("The person's wish was recorded and %(owner)s, which owns the case and sees every consent, was "
                  "asked to act on it. Nothing was withdrawn yet.") % {"owner": case.owner_institution.name},
        next_page=lambda _wish: reverse("consent:wishes", args=[case.uuid]), refused_on_form=False,
        template="consent/withdrawal_wish.html",
        context=lambda: {"case": case, "owner": services.owner_staff(request.user, case)})


@case_worker_required
def wishes(request, case_uuid):
    """The wishes to withdraw a consent: the owner institution sees and acts on all of the case's; another
    institution sees those it recorded."""
    case = policy.get_visible_or_404(Case.objects, request.user, uuid=case_uuid)
    owner = services.owner_staff(request.user, case)
    return render(request, "consent/wishes.html", {
        "case": case, "owner": owner, "wishes": selectors.withdrawal_wishes(user=request.user, case=case),
        "form": ResolveWishForm()})


@case_worker_required
@require_POST
def wish_resolve(request, uuid):
    wish = selectors.withdrawal_wish(user=request.user, uuid=uuid)
    form = ResolveWishForm(request.POST)
    return pages.act(request, lambda data: services.resolve_withdrawal_wish(
        actor=request.user, wish=wish, note=data["note"], expected_version=data.get("version")),
        form=form, success=_("Recorded as acted on."), next_page=reverse("consent:wishes", args=[wish.case.uuid]))


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
    return pages.act(request, lambda data: services.confirm_consent(
        actor=request.user, consent=consent, expected_version=form.cleaned_data.get("version")),
        success=_("The decision was confirmed; it counts from now on."),
        next_page=reverse("cases:detail", args=[consent.case.uuid]) + "#consent")


# --- legal-basis orders: the approvers' queue, the decision, approve or reject ----------------------------


@case_worker_required
def orders(request):
    status = request.GET.get("status") or ""
    page = Paginator(selectors.orders_for(user=request.user, status=status), 25).get_page(request.GET.get("page"))
    return render(request, "consent/orders.html", {"page": page, "status": status,
                                                   "approver": services.may_approve_legal_bases(request.user)})


@case_worker_required
def order(request, uuid):
    use = selectors.order_shown(user=request.user, uuid=uuid)
    approver = services.may_approve_legal_bases(request.user)
    return render(request, "consent/order.html", {
        "use": use, "approver": approver, "own_request": use.used_by_id == request.user.pk,
        "sections": [access_sections.label(s) for s in use.sections],
        "referrals": selectors.order_dependents(use), "case_visible": Case.objects.visible_to(request.user).filter(
            pk=use.case_id).exists(),
        "reject_form": RejectOrderForm(initial={"version": use.version})})


def _decide(request, uuid, form_class, call, success):
    use = selectors.order_for(user=request.user, uuid=uuid)
    return pages.act(request, lambda data: call(use, data), success=success, form=form_class(request.POST),
                     next_page=reverse("consent:order", kwargs={"uuid": use.uuid}), not_allowed=_(
                         "Only a supervisor of the competent authority approves or rejects a legal basis."))


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
