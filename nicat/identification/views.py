"""Identification pages: thin — parse the form, call a service or selector, render."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nicat.access import policy, predicates
from nicat.access.decorators import case_worker_required
from nicat.audit import services as audit
from nicat.cases.models import Case
from nicat.core.errors import ConcurrentEdit, NotAllowed
from nicat.core.forms import apply_errors
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
        engine.Answers(age_at_acts=age.years, age_is_estimate=age.is_estimate), data.legal_definition())
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
    indicator_list = _list_for(case)
    form = ScreeningForm(request.POST or None, indicator_list=indicator_list)
    if request.method == "POST" and form.is_valid():
        try:
            screening = services.save_screening(actor=request.user, case=case, data_in=form.to_service_data(),
                                                complete="complete" in request.POST)
        except ValidationError as error:
            apply_errors(form, error)
        except NotAllowed:
            raise Http404 from None
        else:
            if screening.is_completed:
                messages.success(request, _("The screening was completed."))
            else:
                messages.success(request, _("The screening was saved. You can continue it later."))
            return redirect("identification:screening", case_uuid=case.uuid, screening_uuid=screening.uuid)
    if request.method == "GET":
        form.initial.update({"acts": list(case.acts.all()), "means": list(case.means.all()),
                             "purposes": list(case.exploitation_forms.all())})
    age = services.age_at_acts(case)
    return render(request, "identification/screening.html", {
        "case": case, "form": form, "screening": None, "age": age,
        "list_label": data.indicator_set().lists[indicator_list].label,
        "list_used": data.indicator_set().lists[indicator_list], "list_code": indicator_list,
        **_recommendation_context(None)},
        status=400 if form.errors else 200)


@case_worker_required
def screening_view(request, case_uuid, screening_uuid):
    case = _case(request, case_uuid)
    screening = selectors.screening(user=request.user, screening_uuid=screening_uuid, case=case)
    indicator_list = screening.result.get("list") or _list_for(case, screening)
    form = None
    if not screening.is_completed:
        form = ScreeningForm(request.POST or None, indicator_list=indicator_list,
                             initial=ScreeningForm.initial_from(screening))
        if request.method == "POST" and form.is_valid():
            try:
                version = form.cleaned_data.get("version")
                services.save_screening(actor=request.user, case=case, screening=screening,
                                        data_in=form.to_service_data(), expected_version=version,
                                        complete="complete" in request.POST)
            except ConcurrentEdit as error:
                form.add_error(None, error)
            except ValidationError as error:
                apply_errors(form, error)
            except NotAllowed:
                raise Http404 from None
            else:
                if "complete" in request.POST:
                    messages.success(request, _("The screening was completed."))
                else:
                    messages.success(request, _("The screening was saved. You can continue it later."))
                return redirect("identification:screening", case_uuid=case.uuid, screening_uuid=screening.uuid)
    elif request.method == "POST":
        messages.error(request, _("This screening is completed and can no longer be changed. Start a new "
                                  "screening to record new facts."))
        return redirect("identification:screening", case_uuid=case.uuid, screening_uuid=screening.uuid)
    if request.method == "GET":
        services.view_screening(actor=request.user, screening=screening)
    answered = []
    if screening.is_completed:
        iset = data.indicator_set()
        for code, entry in (screening.answers or {}).items():
            if code in iset.by_code:
                answered.append({"indicator": iset.by_code[code], "answer": (entry or {}).get("answer"),
                                 "facts": (entry or {}).get("facts")})
    age = services.age_at_acts(case, screening.acts_began_on)
    return render(request, "identification/screening.html", {
        "case": case, "form": form, "screening": screening, "answered": answered, "age": age,
        "can_refer": services.referral_offered(case, selectors.identification_for_case(user=request.user, case=case)),
        "list_label": data.indicator_set().lists[indicator_list].label,
        "list_used": data.indicator_set().lists[indicator_list], "list_code": indicator_list,
        **_recommendation_context(screening.result)}, status=400 if form is not None and form.errors else 200)


@case_worker_required
def refer(request, case_uuid):
    case = _case(request, case_uuid)
    form = ReferralForm(request.POST if request.method == "POST" else None, request.FILES or None)
    screenings = selectors.screenings_for_case(user=request.user, case=case)
    latest = next((s for s in screenings if s.is_completed), None)
    authority = directory_selectors.competent_authority()
    missing_consent = False
    if request.method == "POST" and form.is_valid():
        try:
            identification = services.refer_for_identification(actor=request.user, case=case, screening=latest,
                                                               **form.service_kwargs())
        except ConcurrentEdit as error:
            form.add_error(None, error)
        except ValidationError as error:
            apply_errors(form, error)
            missing_consent = hasattr(error, "error_dict") and "consent" in error.error_dict
        except NotAllowed:
            raise Http404 from None
        else:
            if identification.legal_basis_use_id:
                messages.success(request, _("The referral for identification waits for a supervisor of the competent "
                                            "authority to approve the legal basis. Until then the Main Department "
                                            "sees nothing."))
            else:
                messages.success(request, _("The case was referred to the Main Department for identification."))
            return redirect("cases:detail", case_uuid=case.uuid)
    deadlines = [d for d in services.case_deadlines(case) if d.kind == "referral"]
    return render(request, "identification/refer.html", {
        "case": case, "form": form, "latest": latest, "deadline": deadlines[0] if deadlines else None,
        "authority": authority, "missing_consent": missing_consent,
        **_recommendation_context(latest.result if latest else None)}, status=400 if form.errors else 200)


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
    if not predicates.may_decide_status(request.user):
        return _refuse_decision(request)
    form = DecisionForm(request.POST or None, initial={
        "decided_on": timezone.localdate(), "version": case.version,
        "certificate_language": _default_language(case.person)})
    documents = DocumentFormSet(request.POST or None, prefix="doc")
    documents_errors = []
    if request.method == "POST" and form.is_valid() and documents.is_valid():
        decision = dict(form.cleaned_data)
        version = decision.pop("version")
        decision["documents"] = [d for d in documents.cleaned_data if d]
        try:
            services.record_decision(actor=request.user, case=case, decision=decision, expected_version=version)
        except ConcurrentEdit as error:
            form.add_error(None, error)
        except ValidationError as error:
            if hasattr(error, "error_dict") and "documents" in error.error_dict:
                documents_errors = [m for e in error.error_dict.pop("documents") for m in e.messages]
                if not error.error_dict:
                    error = None
            if error is not None:
                apply_errors(form, error)
        except NotAllowed:
            raise Http404 from None
        else:
            messages.success(request, _("The official decision was recorded."))
            return redirect("cases:detail", case_uuid=case.uuid)
    identification = selectors.identification_for_case(user=request.user, case=case)
    if identification and identification.referral_note and request.method == "GET":
        audit.record(actor=request.user, action="identification.referral.view", obj=identification, case=case,
                     institution=predicates.deciding_institution(request.user))
    latest = next((s for s in selectors.screenings_for_case(user=request.user, case=case) if s.is_completed), None)
    return render(request, "identification/decide.html", {
        "case": case, "form": form, "documents": documents, "documents_errors": documents_errors,
        "identification": identification, "latest": latest,
        **_recommendation_context(latest.result if latest else None)},
        status=400 if (form.errors or documents_errors or documents.total_error_count()) else 200)


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
    try:
        services.mark_residence_permit_discussed(actor=request.user, case=case)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except NotAllowed:
        raise Http404 from None
    else:
        messages.success(request, _("Recorded: the temporary residence permit was discussed with the person."))
    return redirect("cases:detail", case_uuid=case.uuid)


@case_worker_required
def worklist(request):
    """Identification officers: cases referred for decision. Everyone: their due and overdue deadlines."""
    return render(request, "identification/worklist.html", {
        "awaiting": selectors.awaiting_decision(user=request.user),
        "items": selectors.dashboard_items(user=request.user),
        "may_decide": predicates.may_decide_status(request.user)})


def verify(request):
    """Public: is this printed status certificate genuine? Answers only "valid" or "not valid"."""
    number = (request.GET.get("number") or "").strip()[:64]
    code = (request.GET.get("code") or "").strip()[:32]
    result = None
    if number or code:
        result = services.verify_certificate(number=number, code=code)
    return render(request, "identification/verify.html", {"number": number, "code": code, "result": result})


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
