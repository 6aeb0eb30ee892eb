"""Pages of the criminal proceedings: thin — parse the form, call a service or selector, render.

The case's proceedings page shows what the user's sections allow: law enforcement the investigation
file and the hearings, an NGO accompanying the victim the hearings only. Every change is a small
form page (GET shows it, POST submits it) for those who see the investigation file; on success back to
the proceedings page, on a refusal the same form with the reason at the field.
"""
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from nicat.access import policy
from nicat.access.sections import HEARINGS, INVESTIGATION
from nicat.cases.models import Case
from nicat.core import pages
from nicat.core.errors import NotAllowed
from nicat.proceedings import forms, selectors, services
from nicat.proceedings.models import Appearance, CriminalCase, Hearing, ReleaseRequest


def _sections_required(*sections):
    """Signed-in staff whose role sees one of `sections` (checked before any object is looked up)."""
    def decorate(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not set(sections) & policy.visible_sections(request.user):
                raise PermissionDenied
            try:
                return view(request, *args, **kwargs)
            except NotAllowed:
                raise Http404 from None
        return wrapped
    return decorate


investigation_required = _sections_required(INVESTIGATION)


def _case(request, case_uuid):
    return policy.get_visible_or_404(Case.objects, request.user, uuid=case_uuid)


def _obj(request, model, uuid):
    try:
        return model.objects.visible_to(request.user).get(uuid=uuid)
    except (model.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None


def _back(case):
    return reverse("proceedings:case", args=[case.uuid])


def _form_page(request, *, case, form, title, submit, act, success, intro="", drawn=None):
    """GET shows `form`; a valid POST calls `act(cleaned_data)` (a service) through the one page helper
    (nicat.core.pages): success → the proceedings page with `success`; a ValidationError → the form
    again with it at the fields; a refusal → the form with its reason (403). `drawn()`: called each time
    the page is drawn (the GET, and the form shown again) — where the form shows what is recorded, its read."""
    def context():
        if drawn is not None:
            drawn()
        return {"title": title, "submit": submit, "case": case, "back": _back(case), "intro": intro}

    return pages.form_page(request, form, call=act, success=success, next_page=_back(case),
                           template="proceedings/form.html", context=context)


@_sections_required(INVESTIGATION, HEARINGS)
def case(request, case_uuid):
    case = _case(request, case_uuid)
    view = selectors.proceedings_of(user=request.user, case=case)
    if not (view["investigation"] or view["hearings_visible"]):
        raise PermissionDenied
    return render(request, "proceedings/case.html", {"case": case, "p": view})


@investigation_required
def perpetrator_add(request, case_uuid):
    case = _case(request, case_uuid)
    policy.require_section(request.user, case, INVESTIGATION)
    form = forms.PerpetratorForm(request.POST or None)
    return _form_page(request, case=case, form=form, title=_("Add a suspected trafficker"), submit=_("Add"),
                      success=_("The suspect was recorded."),
                      act=lambda d: services.add_perpetrator(actor=request.user, case=case, data=d))


@investigation_required
def criminal_case_add(request, case_uuid):
    case = _case(request, case_uuid)
    policy.require_section(request.user, case, INVESTIGATION)
    suspects = list(selectors.scoped(selectors.Perpetrator, request.user, case))
    form = forms.CriminalCaseForm(request.POST or None, perpetrators=suspects)

    def drawn():  # the form lists them by name, on the GET and again after a refusal: a read of the file
        if suspects:
            selectors.PERPETRATORS.listed(request.user, shown=len(suspects), channel="page", records=suspects)

    return _form_page(request, case=case, form=form, title=_("Record the criminal case"), submit=_("Record"),
                      success=_("The criminal case was recorded."), drawn=drawn,
                      act=lambda d: services.open_criminal_case(actor=request.user, case=case, data=d))


def _criminal_case(request, uuid):
    criminal_case = _obj(request, CriminalCase, uuid)
    policy.require_section(request.user, criminal_case.case, INVESTIGATION)
    return criminal_case


@investigation_required
def stage(request, uuid):
    cc = _criminal_case(request, uuid)
    form = forms.StageForm(request.POST or None, initial={"version": cc.version})
    return _form_page(request, case=cc.case, form=form, title=_("Change the stage of the criminal case"),
                      submit=_("Save"), success=_("The stage was changed."),
                      act=lambda d: services.change_stage(actor=request.user, criminal_case=cc, stage=d["stage"],
                                                          changed_on=d["changed_on"], note=d["note"],
                                                          expected_version=d["version"]))


@investigation_required
def verdict(request, uuid):
    cc = _criminal_case(request, uuid)
    form = forms.VerdictForm(request.POST or None, initial={"version": cc.version})
    return _form_page(request, case=cc.case, form=form, title=_("Record the verdict"), submit=_("Record"),
                      success=_("The verdict was recorded."),
                      act=lambda d: services.record_verdict(actor=request.user, criminal_case=cc, data=d,
                                                            expected_version=d["version"]))


@investigation_required
def hearing_add(request, uuid):
    cc = _criminal_case(request, uuid)
    form = forms.HearingForm(request.POST or None)
    return _form_page(request, case=cc.case, form=form, title=_("Add a hearing"), submit=_("Add"),
                      success=_("The hearing was added."),
                      act=lambda d: services.schedule_hearing(actor=request.user, criminal_case=cc, data=d))


@investigation_required
def appearance_add(request, uuid):
    hearing = _obj(request, Hearing, uuid)
    case = hearing.criminal_case.case
    policy.require_section(request.user, case, INVESTIGATION)
    form = forms.AppearanceForm(request.POST or None)
    return _form_page(request, case=case, form=form, title=_("The victim is required at this hearing"),
                      submit=_("Record"), success=_("The victim's appearance was planned."),
                      intro=_("The safety of the victim is checked before the appearance is recorded."),
                      act=lambda d: services.plan_appearance(actor=request.user, hearing=hearing, data=d))


@investigation_required
def appearance_outcome(request, uuid):
    appearance = _obj(request, Appearance, uuid)
    case = appearance.hearing.criminal_case.case
    policy.require_section(request.user, case, INVESTIGATION)
    form = forms.AppearanceOutcomeForm(request.POST or None, initial={"version": appearance.version,
                                                                      "status": appearance.status})
    return _form_page(request, case=case, form=form, title=_("Did the victim appear?"), submit=_("Save"),
                      success=_("Saved."),
                      act=lambda d: services.record_appearance(actor=request.user, appearance=appearance,
                                                               status=d["status"], expected_version=d["version"]))


@investigation_required
def release_add(request, case_uuid):
    case = _case(request, case_uuid)
    policy.require_section(request.user, case, INVESTIGATION)
    form = forms.ReleaseForm(request.POST or None,
                             criminal_cases=list(selectors.scoped(CriminalCase, request.user, case)))
    return _form_page(request, case=case, form=form, title=_("Request release from liability"),
                      submit=_("Record"), success=_("The request was recorded."),
                      act=lambda d: services.request_release(actor=request.user, case=case, data=d))


@investigation_required
def release_decide(request, uuid):
    release = _obj(request, ReleaseRequest, uuid)
    policy.require_section(request.user, release.case, INVESTIGATION)
    form = forms.ReleaseDecisionForm(request.POST or None, initial={"version": release.version,
                                                                    "outcome": release.outcome})
    return _form_page(request, case=release.case, form=form, title=_("Decision on release from liability"),
                      submit=_("Save"), success=_("The decision was recorded."),
                      act=lambda d: services.decide_release(actor=request.user, release=release,
                                                            outcome=d["outcome"], decided_on=d["decided_on"],
                                                            decision_note=d["decision_note"],
                                                            expected_version=d["version"]))


@investigation_required
def claim_link(request, uuid):
    from django.apps import apps

    claim = _obj(request, apps.get_model("assistance", "CompensationClaim"), uuid)
    policy.require_section(request.user, claim.case, INVESTIGATION)
    form = forms.LinkClaimForm(request.POST or None,
                               criminal_cases=list(selectors.scoped(CriminalCase, request.user, claim.case)),
                               initial={"version": claim.version,
                                        "criminal_case": str(claim.criminal_case.uuid) if claim.criminal_case_id
                                        else ""})
    return _form_page(request, case=claim.case, form=form, title=_("Link the compensation claim to the criminal case"),
                      submit=_("Save"), success=_("The claim was linked."),
                      act=lambda d: services.link_compensation(actor=request.user, claim=claim,
                                                               criminal_case=d["criminal_case"],
                                                               expected_version=d["version"]))
