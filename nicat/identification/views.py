"""Identification pages: thin — parse the form, call a service or selector, render."""
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nicat.access import policy, predicates
from nicat.access.decorators import case_worker_required
from nicat.accounts.signals import client_ip
from nicat.cases.models import Case
from nicat.core import pages, publicpage, ratelimit
from nicat.core.errors import NotAllowed
from nicat.directory import selectors as directory_selectors
from nicat.identification import engine, selectors, services
from nicat.identification import indicators as data
from nicat.identification import messages as explain
from nicat.identification.forms import DecisionForm, DocumentFormSet, ReferralForm, ScreeningForm


def _case(request, case_uuid):
    return policy.get_visible_or_404(Case.objects, request.user, uuid=case_uuid)


def _list_for(case, screening=None):
    """The indicator list a screening page shows: the screening's own, else derived from the case."""
    if screening is not None and screening.pk:
        return engine.evaluate(services.answers_for(screening))["list"]
    age = services.age_at_acts(case)
    population, _basis, _conflict = engine._population(
        engine.Answers(age_at_acts=age.years, age_is_estimate=age.is_estimate, majority=age.majority),
        data.legal_definition())
    kind = data.legal_definition().exploitation_kind([t.code for t in case.exploitation_forms.all()])
    return data.indicator_set().list_for(population, kind).name


def _recommendation_context(result):
    iset = data.indicator_set()
    elements = []
    for entry in (result or {}).get("elements") or []:
        try:
            element = iset.element(entry["code"])
        except StopIteration:
            continue
        elements.append({"element": element, "met": entry.get("met"), "counts": entry.get("counts") or {},
                         "present": [iset.by_code[p["code"]] for p in entry.get("present") or []
                                     if p["code"] in iset.by_code],
                         "unanswered": entry.get("unanswered")})
    list_name = (result or {}).get("list")
    return {"explained": explain.explain(result), "result": result or {}, "elements": elements,
            "indicator_list": iset.lists.get(list_name) if list_name else None, "indicator_set": iset}


@case_worker_required
def screening_new(request, case_uuid):
    case = _case(request, case_uuid)
    services.require_screening(request.user, case)
    indicator_list = _list_for(case)
    form = ScreeningForm(request.POST or None, indicator_list=indicator_list)
    if request.method == "GET":
        form.initial.update({"acts": list(case.acts.all()), "means": list(case.means.all()),
                             "purposes": list(case.exploitation_forms.all())})

    def draw(status):
        return render(request, "identification/screening.html", {
            "case": case, "form": form, "screening": None, "age": services.age_at_acts(case),
            "list_label": data.indicator_set().lists[indicator_list].label,
            "list_used": data.indicator_set().lists[indicator_list], "list_code": indicator_list,
            **_recommendation_context(None)}, status=status)

    return pages.form_page(
        request, form, call=lambda cleaned: services.save_screening(
            actor=request.user, case=case, data_in=form.to_service_data(), complete="complete" in request.POST),
        success=lambda screening: _saved_message(screening.is_completed),
        next_page=lambda screening: _screening_page(case, screening), refused_on_form=False, render_page=draw)


def _saved_message(completed):
    if completed:
        return _("The screening was completed.")
    return _("The screening was saved. You can continue it later.")


def _screening_page(case, screening):
    return reverse("identification:screening", kwargs={"case_uuid": case.uuid, "screening_uuid": screening.uuid})


@case_worker_required
def screening_view(request, case_uuid, screening_uuid):
    case = _case(request, case_uuid)
    screening = selectors.screening(user=request.user, screening_uuid=screening_uuid, case=case)
    indicator_list = screening.result.get("list") or _list_for(case, screening)

    def draw(status):
        # the page shows what is stored of the screening (its facts) when its form is unbound: a GET, or a POST
        # that sent nothing (`request.POST or None`); a form shown again after a refusal shows what was typed
        if form is None or not form.is_bound:
            services.view_screening(actor=request.user, screening=screening)
        answered = []
        if screening.is_completed:
            iset = data.indicator_set()
            for code, entry in (screening.answers or {}).items():
                if code in iset.by_code:
                    answered.append({"indicator": iset.by_code[code], "answer": (entry or {}).get("answer"),
                                     "facts": (entry or {}).get("facts")})
        return render(request, "identification/screening.html", {
            "case": case, "form": form, "screening": screening, "answered": answered,
            "age": services.age_at_acts(case, screening.acts_began_on),
            "can_refer": services.referral_offered(case, selectors.identification_for_case(user=request.user,
                                                                                             case=case)),
            "list_label": data.indicator_set().lists[indicator_list].label,
            "list_used": data.indicator_set().lists[indicator_list], "list_code": indicator_list,
            **_recommendation_context(screening.result)}, status=status)

    form = None
    if screening.is_completed:
        if request.method == "POST":
            messages.error(request, _("This screening is completed and can no longer be changed. Start a new "
                                      "screening to record new facts."))
            return redirect(_screening_page(case, screening))
        return draw(200)
    form = ScreeningForm(request.POST or None, indicator_list=indicator_list,
                         initial=ScreeningForm.initial_from(screening))
    return pages.form_page(
        request, form, call=lambda cleaned: services.save_screening(
            actor=request.user, case=case, screening=screening, data_in=form.to_service_data(),
            expected_version=cleaned.get("version"), complete="complete" in request.POST),
        success=_saved_message("complete" in request.POST), next_page=_screening_page(case, screening),
        refused_on_form=False, render_page=draw)


@case_worker_required
def refer(request, case_uuid):
    case = _case(request, case_uuid)
    form = ReferralForm(request.POST if request.method == "POST" else None, request.FILES or None)
    screenings = selectors.screenings_for_case(user=request.user, case=case)
    latest = next((s for s in screenings if s.is_completed), None)
    authority = directory_selectors.competent_authority()
    missing = {}

    def referred(identification):
        if identification.legal_basis_use_id:
            return _("The referral for identification waits for a supervisor of the competent authority to approve "
                     "the legal basis. Until then the Main Department sees nothing.")
        return _("The case was referred to the Main Department for identification.")

    def take_errors(error):
        missing["consent"] = hasattr(error, "error_dict") and "consent" in error.error_dict
        return error

    def draw(status):
        deadlines = [d for d in services.case_deadlines(case) if d.kind == "referral"]
        return render(request, "identification/refer.html", {
            "case": case, "form": form, "latest": latest, "deadline": deadlines[0] if deadlines else None,
            "authority": authority, "missing_consent": missing.get("consent", False),
            **_recommendation_context(latest.result if latest else None)}, status=status)

    return pages.form_page(
        request, form, call=lambda cleaned: services.refer_for_identification(
            actor=request.user, case=case, screening=latest, **form.service_kwargs()),
        success=referred, next_page=reverse("cases:detail", args=[case.uuid]), refused_on_form=False,
        take_errors=take_errors, render_page=draw)


def _refuse_decision(request):
    return render(request, "web/error.html", {"title": _("Not allowed"), "message": _(
        "Only an identification officer of the Main Department (the competent authority) can record the official "
        "decision on the trafficking status. Nothing was changed.")}, status=403)


def _default_language(person):
    for term in person.languages.all():
        if term.code in ("az", "ru", "en"):
            return term.code
    return "az"


@case_worker_required
def decide(request, case_uuid):
    case = _case(request, case_uuid)
    if not predicates.may_decide_status(request.user, case):
        return _refuse_decision(request)
    form = DecisionForm(request.POST or None, initial={
        "decided_on": timezone.localdate(), "version": case.version,
        "certificate_language": _default_language(case.person)})
    documents = DocumentFormSet(request.POST or None, prefix="doc")
    documents_errors = []

    def record(cleaned):
        decision = dict(cleaned)
        version = decision.pop("version")
        decision["documents"] = [d for d in documents.cleaned_data if d]
        return services.record_decision(actor=request.user, case=case, decision=decision, expected_version=version)

    def take_errors(error):
        if hasattr(error, "error_dict") and "documents" in error.error_dict:
            documents_errors.extend(m for e in error.error_dict.pop("documents") for m in e.messages)
            if not error.error_dict:
                return None
        return error

    def draw(status):
        identification = selectors.identification_for_case(user=request.user, case=case)
        if identification and identification.referral_note:  # shown on the page, and on it again after a refusal
            selectors.referral_note_shown(user=request.user, identification=identification, case=case)
        latest = next((s for s in selectors.screenings_for_case(user=request.user, case=case) if s.is_completed),
                      None)
        return render(request, "identification/decide.html", {
            "case": case, "form": form, "documents": documents, "documents_errors": documents_errors,
            "identification": identification, "latest": latest,
            **_recommendation_context(latest.result if latest else None)}, status=status)

    return pages.form_page(
        request, form, call=record, success=_("The official decision was recorded."),
        next_page=reverse("cases:detail", args=[case.uuid]), refused_on_form=False,
        ready=request.method == "POST" and documents.is_valid(), take_errors=take_errors, render_page=draw)


@case_worker_required
def certificate(request, case_uuid):
    case = _case(request, case_uuid)
    language = request.GET.get("lang") or None
    try:
        pdf = services.certificate_pdf(actor=request.user, case=case, language=language)
    except ValidationError as error:
        return render(request, "web/error.html", {"title": _("No certificate"), "message": " ".join(error.messages)},
                      status=400)
    except NotAllowed:
        raise Http404 from None
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{case.reference}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@case_worker_required
@require_POST
def residence_permit_discussed(request, case_uuid):
    case = _case(request, case_uuid)
    return pages.act(request, lambda data: services.mark_residence_permit_discussed(
        actor=request.user, case=case, expected_version=request.POST.get("version")),
                     success=_("Recorded: the temporary residence permit was discussed with the person."),
                     next_page=reverse("cases:detail", args=[case.uuid]))


@case_worker_required
def worklist(request):
    """Identification officers: cases referred for decision. Everyone: their due and overdue deadlines."""
    return render(request, "identification/worklist.html", {
        "awaiting": selectors.awaiting_decision(user=request.user),
        "items": selectors.dashboard_items(user=request.user),
        "may_decide": predicates.may_decide_status(request.user)})


def verify(request):
    """Public: is this printed status certificate genuine? Answers only "valid" or "not valid". Each check is
    an event of the audit trail: past NICAT_CERTIFICATE_CHECKS_PER_HOUR checks from one address the page
    answers 429 and checks (and records) nothing, so that no script fills the trail or holds its lock.

    An anonymous visitor (a police or border officer, anyone holding the certificate) gets the public site's
    layout, which sets no cookie: the staff layout's CSRF token (its language switch, its sign-out form) set
    one, and a GET form needs none. Signed-in staff keep their own layout."""
    number = (request.GET.get("number") or "").strip()[:64]
    code = (request.GET.get("code") or "").strip()[:32]
    result, limited = None, False
    if number or code:
        limited = ratelimit.over_limit("identification:verify", client_ip(request),
                                       settings.NICAT_CERTIFICATE_CHECKS_PER_HOUR)
        if not limited:
            result = services.verify_certificate(number=number, code=code)
    context = {"number": number, "code": code, "result": result, "limited": limited}
    status = 429 if limited else 200
    if request.user.is_authenticated:
        return render(request, "identification/verify.html", {**context, "layout": "web/base.html"}, status=status)
    response = publicpage.render_public(request, "identification/verify.html", {
        **context, "layout": "public/base.html", "public": True}, page="verify", status=status)
    response["Referrer-Policy"] = "no-referrer"  # the address carries the certificate's number and code
    return response


@case_worker_required
@require_POST
def screening_preview(request, case_uuid):
    """HTMX: the recommendation for the answers on the form as they are now (nothing is saved)."""
    case = _case(request, case_uuid)
    asked = request.POST.get("indicator_list", "")
    indicator_list = asked if asked in data.indicator_set().lists else _list_for(case)
    form = ScreeningForm(request.POST, indicator_list=indicator_list)
    result, invalid = None, False
    if form.is_valid():
        try:
            result = services.preview_screening(actor=request.user, case=case, data_in=form.to_service_data())
        except ValidationError:
            invalid = True
        except NotAllowed:
            raise Http404 from None
    else:
        invalid = True
    return render(request, "identification/_recommendation.html", {
        "case": case, "live": True, "invalid": invalid, **_recommendation_context(result)})
