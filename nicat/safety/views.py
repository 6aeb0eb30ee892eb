"""Safety pages: the case's assessments, safety plan, contacts with the family and relatives at risk; the
security measures behind a stated reason; the search of relatives by blind index. Thin: parse, call, render."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from nicat.access import policy
from nicat.access.decorators import case_worker_required
from nicat.access.sections import RELATIVES
from nicat.cases.models import Case
from nicat.core import pages, submissions
from nicat.core.errors import NotAllowed
from nicat.core.forms import apply_errors
from nicat.safety import selectors, services
from nicat.safety.forms import (
    AssessmentForm,
    FamilyContactForm,
    MeasureForm,
    PlanForm,
    ReasonForm,
    RelativeForm,
    RelativeSearchForm,
    VersionForm,
)
from nicat.safety.services import SafetyPlanRequired


def _case(request, case_uuid):
    return policy.get_visible_or_404(Case.objects, request.user, uuid=case_uuid)


def _render_case(request, case, status=200, blocked=None, **forms):
    user = request.user
    assessments = selectors.case_assessments(user=user, case=case)
    current = assessments[0] if assessments else None
    sees_relatives = selectors.sees_relatives(user, case)
    relatives = selectors.case_relatives(user=user, case=case) if sees_relatives else []
    context = {
        "case": case, "assessments": assessments, "current": current,
        "shows_reasons": selectors.shows_reasons(user, case),
        "may_assess": bool(policy.roles_on(user, case) & services.ASSESS_ROLES),
        "may_contact": bool(policy.roles_on(user, case) & services.CONTACT_ROLES),
        "may_confirm": current is not None and services.may_confirm_plan(user, current),
        "sees_security": selectors.sees_security(user, case),
        "sees_relatives": sees_relatives, "relatives": relatives,
        "contacts": selectors.case_family_contacts(user=user, case=case),
        "blocked": blocked,
        "assessment_form": forms.get("assessment_form") or AssessmentForm(child=case.person.is_child),
        "plan_form": forms.get("plan_form") or (PlanForm(initial={"safety_plan": current.safety_plan,
                                                                  "version": current.version}) if current else None),
        "contact_form": forms.get("contact_form") or FamilyContactForm(relatives=relatives),
        "relative_form": forms.get("relative_form") or RelativeForm(),
    }
    return render(request, "safety/case.html", context, status=status)


@case_worker_required
def case(request, case_uuid):
    return _render_case(request, _case(request, case_uuid))


def _back(case, anchor=""):
    return reverse("safety:case", args=[case.uuid]) + anchor


@case_worker_required
@require_POST
def assess(request, case_uuid):
    case = _case(request, case_uuid)
    form = AssessmentForm(request.POST, child=case.person.is_child)
    if not form.is_valid() and not (policy.roles_on(request.user, case) & services.ASSESS_ROLES):
        raise PermissionDenied
    return pages.form_page(
        request, form, call=lambda data: services.record_assessment(actor=request.user, case=case, data=data),
        success=lambda assessment: _("The safety assessment was recorded: the risk is %(level)s.")
        % {"level": assessment.get_level_display().lower()},
        next_page=_back(case), refused_on_form=False,
        render_page=lambda status: _render_case(request, case, status=status, assessment_form=form))


def _assessment_action(request, uuid, call, done):
    assessment = selectors.assessment_for(user=request.user, uuid=uuid)
    return pages.act(request, lambda data: call(assessment), success=done,
                     next_page=_back(assessment.case, "#safety-plan"))


@case_worker_required
@require_POST
def plan(request, uuid):
    form = PlanForm(request.POST)
    form.is_valid()
    return _assessment_action(request, uuid, lambda a: services.write_safety_plan(
        actor=request.user, assessment=a, plan=request.POST.get("safety_plan", ""),
        expected_version=form.cleaned_data.get("version")),
        _("The safety plan was saved. A supervisor of the institution that owns the case confirms it."))


@case_worker_required
@require_POST
def confirm(request, uuid):
    form = VersionForm(request.POST)
    form.is_valid()
    return _assessment_action(request, uuid, lambda a: services.confirm_safety_plan(
        actor=request.user, assessment=a, expected_version=form.cleaned_data.get("version")),
        _("The safety plan was confirmed. Contact with the family and return may go ahead, with the plan."))


@case_worker_required
@require_POST
def family_contact(request, case_uuid):
    case = _case(request, case_uuid)
    sees_relatives = selectors.sees_relatives(request.user, case)
    relatives = selectors.case_relatives(user=request.user, case=case) if sees_relatives else []
    form = FamilyContactForm(request.POST, relatives=relatives)
    blocked = None
    if form.is_valid():
        relative = next((r for r in relatives if str(r.uuid) == form.cleaned_data["relative"]), None)
        try:
            submissions.once(request, lambda: services.record_family_contact(
                actor=request.user, case=case, relative=relative, contacted_on=form.cleaned_data["contacted_on"],
                note=form.cleaned_data["note"]), location=lambda contact: _back(case, "#family-contact"))
        except submissions.Repeated as error:
            return pages.repeated(request, error, _back(case, "#family-contact"))
        except submissions.Mismatch:
            form.add_error(None, pages.changed_since_sent())
        except SafetyPlanRequired as error:
            blocked = {"message": error.messages[0], "url": error.url}
        except ValidationError as error:
            apply_errors(form, error)
        except NotAllowed:
            raise Http404 from None
        else:
            messages.success(request, _("The contact with the family was recorded."))
            return redirect(_back(case, "#family-contact"))
    elif not (policy.roles_on(request.user, case) & services.CONTACT_ROLES):
        raise PermissionDenied
    return _render_case(request, case, status=400 if not blocked else 403, blocked=blocked, contact_form=form)


# --- security measures: a reason before every read ---------------------------------------------------


@case_worker_required
@require_http_methods(["GET", "POST"])
def measures(request, case_uuid):
    case = _case(request, case_uuid)
    policy.require_section(request.user, case, "security")
    form = ReasonForm(request.POST or None)
    rows = None
    if request.method == "POST" and form.is_valid():
        try:
            rows = selectors.security_measures(user=request.user, case=case, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_errors(form, error)
    status = 400 if request.method == "POST" and rows is None else 200
    return render(request, "safety/measures.html", {
        "case": case, "reason_form": form, "measures": rows,
        "reason": form.cleaned_data.get("reason") if rows is not None else "",
        "measure_form": MeasureForm()}, status=status)


@case_worker_required
@require_POST
def measure_add(request, case_uuid):
    case = _case(request, case_uuid)
    policy.require_section(request.user, case, "security")
    form = MeasureForm(request.POST)
    return pages.form_page(
        request, form, call=lambda data: services.add_security_measure(actor=request.user, case=case, data=data),
        success=_("The security measure was recorded. Open the measures (with a reason) to see them."),
        next_page=reverse("safety:measures", kwargs={"case_uuid": case.uuid}), refused_on_form=False,
        render_page=lambda status: render(request, "safety/measures.html", {
            "case": case, "reason_form": ReasonForm(), "measures": None, "measure_form": form}, status=status))


# --- relatives and helpers at risk ------------------------------------------------------------------


@case_worker_required
@require_POST
def relative_add(request, case_uuid):
    case = _case(request, case_uuid)
    policy.require_section(request.user, case, RELATIVES)
    form = RelativeForm(request.POST)
    return pages.form_page(
        request, form, call=lambda data: services.add_relative(actor=request.user, case=case, data=data),
        success=_("The relative or helper was recorded."), next_page=_back(case, "#relatives"),
        refused_on_form=False,
        render_page=lambda status: _render_case(request, case, status=status, relative_form=form))


@case_worker_required
@require_http_methods(["GET", "POST"])
def relative_edit(request, uuid):
    # the form shows what is stored of the relative when it is unbound: a GET, or a POST that sent nothing
    # (`request.POST or None`); a form shown again after a refusal shows what was typed
    relative = selectors.relative_for(user=request.user, uuid=uuid, audit_read=not request.POST)
    initial = {f: getattr(relative, f) for f in services.RELATIVE_FIELDS}
    form = RelativeForm(request.POST or None, initial={**initial, "version": relative.version})
    return pages.form_page(
        request, form, call=lambda data: services.update_relative(
            actor=request.user, relative=relative, data=data, expected_version=data.get("version")),
        success=_("The relative or helper was updated."), next_page=_back(relative.case, "#relatives"),
        refused_on_form=False, template="safety/relative.html",
        context={"relative": relative, "case": relative.case})


@case_worker_required
def relative_search(request):
    if RELATIVES not in policy.visible_sections(request.user):
        raise policy.SectionNotAllowed(RELATIVES)
    def run(cleaned):  # POSTed: a name or a phone number never travels in the address (core.pages.search_page)
        if not (cleaned["name"] or cleaned["phone"]):
            return None
        return selectors.find_relatives(user=request.user, name=cleaned["name"], phone=cleaned["phone"])

    return pages.search_page(request, RelativeSearchForm, search=run, template="safety/relative_search.html")
