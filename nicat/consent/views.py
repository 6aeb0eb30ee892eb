"""Consent pages: record a decision, withdraw a consent, open a signed form. Thin: parse, call, render."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from nicat.access import policy
from nicat.core.errors import NotAllowed
from nicat.cases.models import Case
from nicat.access.decorators import case_worker_required
from nicat.core.forms import apply_errors
from nicat.consent import selectors, services
from nicat.consent.forms import ConsentForm, WithdrawForm
from nicat.consent.models import Decision


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
            if consent.decision == Decision.GIVEN:
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
                                                   "next": _safe_next(request)}, status=status)


def _safe_next(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if target.startswith("/") and not target.startswith("//") else ""


@case_worker_required
@require_http_methods(["GET", "POST"])
def withdraw(request, uuid):
    consent = selectors.consent_detail(user=request.user, uuid=uuid)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_consent(actor=request.user, consent=consent, note=form.cleaned_data["note"])
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
                                                     "referrals": referrals},
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
