"""Pages of protection and rehabilitation: thin — parse the form, call a service or selector, render.

Every change is a small form page (GET shows it, POST submits it): on success back to the case's
(or facility's) page with a message; on a refusal the same form with the reason at the field.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nicat.access import policy, predicates
from nicat.access.decorators import case_worker_required
from nicat.accounts.models import Role
from nicat.assistance import charts, forms, selectors, services
from nicat.assistance.models import (
    AllowancePayment,
    AuthorisedStateBody,
    CompensationClaim,
    CompensationPayment,
    Facility,
    FamilyReunification,
    FollowUp,
    InterpreterNeed,
    PlanAction,
    PlanGoal,
    RehabilitationPlan,
    ResidencePermit,
    ReturnPlan,
    Stay,
    WaitingListEntry,
)
from nicat.assistance.services._common import (
    CLOSE_ROLES,
    PAYMENT_ROLES,
    PLAN_ROLES,
    RETURN_ROLES,
    SERVICE_ROLES,
    acting_institution,
    require_section,
)
from nicat.assistance.services.shelters import is_administrator, is_facility_staff
from nicat.cases.models import Case
from nicat.cases.selectors import case_list
from nicat.core import pages
from nicat.core.reads import as_uuid


def roles_required(roles):
    """A page for case-working staff in one of `roles` (checked before any object is looked up)."""
    def decorate(view):
        @case_worker_required
        def wrapped(request, *args, **kwargs):
            acting_institution(request.user, roles)
            return view(request, *args, **kwargs)

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return wrapped
    return decorate


def _return_section(request, case):
    require_section(request.user, case, "return")
    return case


def _return_obj(request, model, uuid):
    obj = _obj(request, model, uuid)
    _return_section(request, obj.case)
    return obj


def _require_staff(request, facility):
    if not is_facility_staff(request.user, facility):
        raise PermissionDenied


def _case(request, case_uuid):
    return policy.get_visible_or_404(Case.objects, request.user, uuid=case_uuid)


def _obj(request, model, uuid):
    return policy.get_visible_or_404(model.objects, request.user, uuid=uuid)


def _case_page(case):
    return reverse("assistance:case", args=[case.uuid])


def _facility(request, facility_uuid):
    return selectors.facility_detail(user=request.user, facility_uuid=facility_uuid)


def _form_page(request, *, form, title, back, on_valid, success, case=None, facility=None, intro="",
               submit=None, danger=False, found=None, drawn=None):
    """GET: the form. POST: validate, call `on_valid(cleaned_data)`; redirect to `back` or show why not —
    the one page helper (`core.pages.form_page`) on this app's form template.

    A refusal (a section the role does not see, a role that may not do this) is shown on the same page
    with its reason, the typed data kept (403); a consent refusal links to the consent conversation.
    `found`: a dict in which `on_valid` leaves the case it looked up (admission finds it by reference).
    `drawn()`: called each time the page is drawn (the GET, and the form shown again after a POST that changed
    nothing) — where the form itself shows what is recorded of the person, the read it records."""
    def context():
        if drawn is not None:
            drawn()
        return {"title": title, "back": back, "case": case, "facility": facility, "intro": intro,
                "submit": submit or _("Save"), "danger": danger,
                "consent_case": case if case is not None else (found or {}).get("case")}

    return pages.form_page(request, form, call=on_valid, success=success, next_page=back,
                           template="assistance/form.html", context=context)


def _visible_case_by_reference(user, reference):
    matches = list(case_list(user=user, reference=reference)[:2])
    if len(matches) != 1:
        raise ValidationError({"case_reference": _("No case with this reference is visible to you. Check the "
                                                   "reference; the person must have been referred to you.")})
    return Case.objects.row(matches[0]).select_related("person").get()


# --- facilities ----------------------------------------------------------------------------------------


@login_required
def index(request):
    if not selectors.may_see_facilities(request.user):
        raise PermissionDenied
    return render(request, "assistance/index.html", {
        "facilities": selectors.facility_list(user=request.user),
        "reminders": selectors.reminders(user=request.user),
        "is_administrator": is_administrator(request.user),
    })


@login_required
def facility_detail(request, facility_uuid):
    facility = _facility(request, facility_uuid)
    rows, total = selectors.occupancy_now(facility)
    address = None
    if request.GET.get("address") == "1":
        address = services.read_address(actor=request.user, facility=facility)
    return render(request, "assistance/facility_detail.html", {
        "facility": facility, "rows": rows, "total": total, "address": address,
        "may_see_address": selectors.address_visible(request.user, facility),
        "is_staff": is_facility_staff(request.user, facility),
        "chart": charts.occupancy_chart(selectors.occupancy_history(facility)),
        "residents": selectors.residents(user=request.user, facility=facility),
        "waiting": selectors.waiting_list(user=request.user, facility=facility),
    })


def _administrator(request):
    if not is_administrator(request.user):
        raise PermissionDenied


@login_required
def facility_register(request):
    """Administrators register a special institution as a shelter or assistance centre (no address here:
    its own staff enter that, confidentially)."""
    _administrator(request)
    form = forms.FacilityRegisterForm(request.POST or None)

    def act(data):
        facility = services.register_facility(actor=request.user, institution=data["institution"], kind=data["kind"],
                                              capacity={g: data[g] for g in ("women", "men", "children")})
        return reverse("assistance:facility", args=[facility.uuid])

    return _form_page(request, form=form, title=_("Register a shelter or assistance centre"),
                      back=reverse("assistance:index"), on_valid=act, success=_("The facility was registered."))


@login_required
def state_bodies(request):
    """Administrators record which state bodies provide which services within their functions."""
    _administrator(request)
    form = forms.StateBodyForm(request.POST or None)
    return pages.form_page(
        request, form, call=lambda data: services.save_state_body(actor=request.user, **data), success=_("Saved."),
        next_page=reverse("assistance:state_bodies"), refused_on_form=False, template="assistance/state_bodies.html",
        context=lambda: {"bodies": AuthorisedStateBody.objects.select_related("institution").order_by(
            "institution__name_az")})


@case_worker_required
def admit(request, facility_uuid):
    facility = _facility(request, facility_uuid)
    _require_staff(request, facility)
    initial = {}
    key = as_uuid(request.GET.get("case"))  # a malformed id finds nothing (it was a 500)
    if key:
        case = Case.objects.visible_to(request.user).filter(uuid=key).first()
        if case:
            initial["case_reference"] = case.reference
    form = forms.AdmitForm(request.POST or None, initial=initial)
    found = {}

    def act(data):
        case = found["case"] = _visible_case_by_reference(request.user, data["case_reference"])
        services.admit(actor=request.user, facility=facility, case=case, group=data["group"],
                       admitted_at=data.get("admitted_at"))

    return _form_page(request, form=form, title=_("Admit a person to %(facility)s") % {"facility": facility},
                      back=reverse("assistance:facility", args=[facility.uuid]), on_valid=act, facility=facility,
                      success=_("The person was admitted."), submit=_("Admit"), found=found,
                      intro=_("Admission needs the person's consent to stay here (for a child, the legal "
                              "representative's), recorded on the case."))


@case_worker_required
def waiting_add(request, facility_uuid):
    facility = _facility(request, facility_uuid)
    _require_staff(request, facility)
    form = forms.WaitingForm(request.POST or None)

    def act(data):
        case = _visible_case_by_reference(request.user, data["case_reference"])
        services.add_to_waiting_list(actor=request.user, facility=facility, case=case, group=data["group"],
                                     urgent=data["urgent"], note=data["note"])

    return _form_page(request, form=form, title=_("Add to the waiting list"), facility=facility, on_valid=act,
                      back=reverse("assistance:facility", args=[facility.uuid]),
                      success=_("The person was added to the waiting list."))


@case_worker_required
@require_POST
def waiting_withdraw(request, entry_uuid):
    entry = _obj(request, WaitingListEntry, entry_uuid)
    return pages.act(request, lambda data: services.withdraw_from_waiting_list(
        actor=request.user, entry=entry, expected_version=request.POST.get("version")),
        success=_("The person was taken off the waiting list."),
        next_page=reverse("assistance:facility", args=[entry.facility.uuid]))


@login_required
def capacity(request, facility_uuid):
    facility = _facility(request, facility_uuid)
    if not (is_facility_staff(request.user, facility) or is_administrator(request.user)):
        raise PermissionDenied
    groups = ("women", "men", "children")
    read = selectors.capacity_rows(facility)
    form = forms.CapacityForm(request.POST or None, initial={
        **{g: read[g].beds if g in read else 0 for g in groups},
        **{f"{g}_version": read[g].version if g in read else 0 for g in groups}})

    def act(data):
        services.set_capacities(actor=request.user, facility=facility, beds={g: data[g] for g in groups},
                                expected_versions={g: data[f"{g}_version"] for g in groups})

    return _form_page(request, form=form, title=_("Beds of %(facility)s") % {"facility": facility},
                      facility=facility, back=reverse("assistance:facility", args=[facility.uuid]), on_valid=act,
                      success=_("The capacity was saved."))


@case_worker_required
def contact(request, facility_uuid):
    facility = _facility(request, facility_uuid)
    _require_staff(request, facility)
    current = services.read_address(actor=request.user, facility=facility) if request.method == "GET" else {}
    form = forms.ContactForm(request.POST or None, initial={**current, "version": facility.version})
    return _form_page(request, form=form, title=_("Confidential address of %(facility)s") % {"facility": facility},
                      facility=facility, back=reverse("assistance:facility", args=[facility.uuid]),
                      on_valid=lambda d: services.update_facility_contact(
                          actor=request.user, facility=facility, address=d["address"], phone=d["phone"],
                          expected_version=d["version"]),
                      success=_("The address was saved."))


def _stay(request, stay_uuid):
    stay = _obj(request, Stay, stay_uuid)
    _require_staff(request, stay.facility)
    return stay


@case_worker_required
def discharge(request, stay_uuid):
    stay = _stay(request, stay_uuid)
    form = forms.DischargeForm(request.POST or None, initial={"version": stay.version})
    return _form_page(request, form=form, title=_("Record leaving (%(ref)s)") % {"ref": stay.case.reference},
                      facility=stay.facility, back=reverse("assistance:facility", args=[stay.facility.uuid]),
                      on_valid=lambda d: services.discharge(actor=request.user, stay=stay, end_kind=d["end_kind"],
                                                            note=d["note"], ended_at=d.get("ended_at"),
                                                            expected_version=d["version"]),
                      success=_("The stay was ended."))


@case_worker_required
def transfer(request, stay_uuid):
    stay = _stay(request, stay_uuid)
    others = Facility.objects.filter(active=True).exclude(pk=stay.facility_id).select_related("institution")
    form = forms.TransferForm(request.POST or None, initial={"version": stay.version, "group": stay.group},
                              facilities=others)
    return _form_page(request, form=form, title=_("Transfer (%(ref)s)") % {"ref": stay.case.reference},
                      facility=stay.facility, back=reverse("assistance:facility", args=[stay.facility.uuid]),
                      on_valid=lambda d: services.transfer(actor=request.user, stay=stay, to_facility=d["to_facility"],
                                                           group=d["group"], note=d["note"],
                                                           expected_version=d["version"]),
                      success=_("The person was transferred."),
                      intro=_("The person's consent to stay at the receiving facility must be on the case."))


@case_worker_required
def extend(request, stay_uuid):
    stay = _stay(request, stay_uuid)
    form = forms.ExtendForm(request.POST or None, initial={"version": stay.version})
    return _form_page(request, form=form, title=_("Extend the stay (%(ref)s)") % {"ref": stay.case.reference},
                      facility=stay.facility, back=reverse("assistance:facility", args=[stay.facility.uuid]),
                      on_valid=lambda d: services.extend_stay(actor=request.user, stay=stay, reason=d["reason"],
                                                              expected_version=d["version"]),
                      success=_("The stay was extended."))


# --- a case ---------------------------------------------------------------------------------------------


@case_worker_required
def case_page(request, case_uuid):
    case = _case(request, case_uuid)
    data = selectors.case_assistance(user=request.user, case=case)
    # What this user may do here, from the one access policy: the page offers nothing else.
    data["actions"] = predicates.case_actions(request.user, case)
    data["facilities"] = [f for f in Facility.objects.filter(active=True).select_related("institution")
                          if is_facility_staff(request.user, f)]
    return render(request, "assistance/case.html", data)


@roles_required(PLAN_ROLES)
@require_POST
def plan_create(request, case_uuid):
    case = _case(request, case_uuid)
    return pages.act(request, lambda data: services.create_plan(actor=request.user, case=case),
                     success=_("The rehabilitation plan was created. Add its goals."),
                     next_page=_case_page(case) + "#plan")


class NoPlan(Exception):
    pass


def _plan(request, case):
    plan = RehabilitationPlan.objects.visible_to(request.user).filter(case=case).first()
    if plan is None:
        raise NoPlan
    return plan


def needs_plan(view):
    """Pages of a plan that does not exist yet send the user to draw it up first."""
    def wrapped(request, case_uuid):
        try:
            return view(request, case_uuid)
        except NoPlan:
            messages.info(request, _("Draw up the rehabilitation plan first."))
            return redirect(reverse("assistance:case", args=[case_uuid]) + "#plan")

    wrapped.__name__ = view.__name__
    return wrapped


@roles_required(PLAN_ROLES)
@needs_plan
def goal_add(request, case_uuid):
    case = _case(request, case_uuid)
    plan = _plan(request, case)
    form = forms.GoalForm(request.POST or None, initial={"responsible_institution": policy.acting_institution(
        request.user)})
    return _form_page(request, form=form, title=_("Add a goal to the plan"), case=case, back=_case_page(case) + "#plan",
                      on_valid=lambda d: services.add_goal(actor=request.user, plan=plan, **d),
                      success=_("The goal was added."))


@roles_required(PLAN_ROLES)
def goal_edit(request, goal_uuid):
    goal = _obj(request, PlanGoal, goal_uuid)
    case = goal.case
    form = forms.GoalEditForm(request.POST or None, initial={
        "version": goal.version, "status": goal.status, "outcome": goal.outcome, "due_on": goal.due_on,
        "responsible_institution": goal.responsible_institution})

    def drawn():  # unbound (a GET, or a POST that sent nothing), the form shows the goal's stored outcome: a read
        if not form.is_bound:
            selectors.GOALS.viewed(request.user, goal)

    def act(data):
        version = data.pop("version")
        services.update_goal(actor=request.user, goal=goal, data=data, expected_version=version)

    return _form_page(request, form=form, title=_("Goal: %(area)s") % {"area": goal.get_area_display()}, case=case,
                      back=_case_page(case) + "#plan", on_valid=act, success=_("The goal was saved."), drawn=drawn)


@roles_required(PLAN_ROLES)
def goal_decline(request, goal_uuid):
    goal = _obj(request, PlanGoal, goal_uuid)
    case = goal.case
    form = forms.DeclineForm(request.POST or None, initial={"version": goal.version})
    return _form_page(request, form=form, title=_("The person declines: %(area)s") % {"area": goal.get_area_display()},
                      case=case, back=_case_page(case) + "#plan", danger=True, submit=_("Record that it is declined"),
                      on_valid=lambda d: services.decline_goal(actor=request.user, goal=goal, note=d["note"],
                                                               expected_version=d["version"]),
                      success=_("The goal is recorded as declined; its planned actions were cancelled."))


@roles_required(PLAN_ROLES)
def action_add(request, goal_uuid):
    goal = _obj(request, PlanGoal, goal_uuid)
    case = goal.case
    form = forms.ActionForm(request.POST or None, initial={"responsible_institution": goal.responsible_institution})
    return _form_page(request, form=form, title=_("Add an action: %(area)s") % {"area": goal.get_area_display()},
                      case=case, back=_case_page(case) + "#plan",
                      on_valid=lambda d: services.add_action(actor=request.user, goal=goal, **d),
                      success=_("The action was added."))


@roles_required(PLAN_ROLES)
def action_edit(request, action_uuid):
    action = _obj(request, PlanAction, action_uuid)
    case = action.case
    form = forms.ActionEditForm(request.POST or None, initial={"version": action.version, "status": action.status,
                                                               "outcome": action.outcome})

    def drawn():  # unbound (a GET, or a POST that sent nothing), the form shows the action's stored outcome: a read
        if not form.is_bound:
            selectors.ACTIONS.viewed(request.user, action)
    return _form_page(request, form=form, title=_("Action"), case=case, back=_case_page(case) + "#plan",
                      on_valid=lambda d: services.update_action(actor=request.user, action=action, status=d["status"],
                                                                outcome=d["outcome"],
                                                                expected_version=d["version"]),
                      success=_("The action was saved."), drawn=drawn)


@roles_required(PLAN_ROLES)
@needs_plan
def agreement(request, case_uuid):
    case = _case(request, case_uuid)
    plan = _plan(request, case)
    data = selectors.case_assistance(user=request.user, case=case, audit_read=False)
    goals = [g for g in data["goals"] if not g.is_declined]
    form = forms.AgreementForm(request.POST or None, initial={"version": plan.version}, goals=goals)
    return _form_page(request, form=form, title=_("The person's agreement to the plan"), case=case,
                      back=_case_page(case) + "#plan",
                      # the form lists the goals (what the person is to get), on the GET and again after a
                      # refusal: each drawing is a read of the case
                      drawn=lambda: selectors.GOALS.listed(request.user, shown=len(goals), records=goals),
                      on_valid=lambda d: services.record_agreement(actor=request.user, plan=plan,
                                                                   declined_goals=d["declined_goals"], note=d["note"],
                                                                   expected_version=d["version"]),
                      success=_("The person's agreement was recorded."),
                      intro=_("Go through the plan with the person. Tick every goal they do not want: it is recorded "
                              "as declined and nothing is done under it. For every goal they accept, their consent to "
                              "that service must be recorded on the case."))


@roles_required(PLAN_ROLES)
@needs_plan
def review_add(request, case_uuid):
    case = _case(request, case_uuid)
    plan = _plan(request, case)
    form = forms.ReviewForm(request.POST or None)
    return _form_page(request, form=form, title=_("Review the plan"), case=case, back=_case_page(case) + "#plan",
                      on_valid=lambda d: services.add_review(actor=request.user, plan=plan, **d),
                      success=_("The review was recorded."))


@roles_required(SERVICE_ROLES)
def service_add(request, case_uuid):
    case = _case(request, case_uuid)
    data = selectors.case_assistance(user=request.user, case=case, audit_read=False)
    form = forms.ServiceForm(request.POST or None, goals=data["goals"],
                             initial={"provider": policy.acting_institution(request.user)})
    return _form_page(request, form=form, title=_("Log a service delivered"), case=case,
                      back=_case_page(case) + "#services",
                      on_valid=lambda d: services.record_service(actor=request.user, case=case, **d),
                      success=_("The service was logged."),
                      intro=_("Every service to a victim is free of charge. Only authorised special institutions, "
                              "registered non-profits and state bodies within their functions provide them."))


@roles_required(CLOSE_ROLES)
def close(request, case_uuid):
    case = _case(request, case_uuid)
    form = forms.CloseForm(request.POST or None, initial={"version": case.version})
    return _form_page(request, form=form, title=_("Close the case %(ref)s") % {"ref": case.reference}, case=case,
                      back=_case_page(case),
                      on_valid=lambda d: services.close_case(actor=request.user, case=case, status=d["status"],
                                                             closure_reason=d["closure_reason"],
                                                             expected_version=d["version"]) and
                      reverse("cases:detail", args=[case.uuid]),
                      success=_("The case was closed."), submit=_("Close the case"), danger=True,
                      intro=_("A case closes after the final review of the rehabilitation plan, with the reason."))


# --- money ----------------------------------------------------------------------------------------------


@roles_required(PAYMENT_ROLES)
def allowance_add(request, case_uuid):
    case = _case(request, case_uuid)
    services.require_payer(request.user, case)
    form = forms.AllowanceForm(request.POST or None)
    return _form_page(request, form=form, title=_("Record an allowance payment"), case=case,
                      back=_case_page(case) + "#money",
                      on_valid=lambda d: services.pay_allowance(actor=request.user, case=case, **d),
                      success=_("The payment was recorded."),
                      intro=_("The amount is set by the rules in force on the payment date; it is paid once."))


@roles_required(frozenset({Role.SUPERVISOR}))
def allowance_reverse(request, payment_uuid):
    """A payment recorded by mistake is reversed, never deleted; the correct one is then recorded anew."""
    return _reverse_page(
        request, _obj(request, AllowancePayment, payment_uuid), services.reverse_allowance,
        title=_("Reverse an allowance payment"),
        success=_("The payment was reversed. It stays in the record, marked reversed, and no longer counts as paid; "
                  "record the correct payment now if one is due."),
        intro=_("A payment recorded on the wrong case, twice, or with a wrong amount or date is not deleted: it is "
                "reversed, with the reason, and stays in the case's record. To correct the amount or the date, "
                "reverse this payment, then record the correct one."))


@roles_required(PAYMENT_ROLES)
def claim_add(request, case_uuid):
    case = _case(request, case_uuid)
    services.require_payer(request.user, case)
    form = forms.ClaimForm(request.POST or None)
    return _form_page(request, form=form, title=_("Record a compensation claim"), case=case,
                      back=_case_page(case) + "#money",
                      on_valid=lambda d: services.open_claim(actor=request.user, case=case, **d),
                      success=_("The claim was recorded."))


@roles_required(PAYMENT_ROLES)
def claim_award(request, claim_uuid):
    claim = _obj(request, CompensationClaim, claim_uuid)
    services.require_payer(request.user, claim.case)
    form = forms.AwardForm(request.POST or None, initial={"version": claim.version})
    return _form_page(request, form=form, title=_("Court's decision on the claim"), case=claim.case,
                      back=_case_page(claim.case) + "#money",
                      on_valid=lambda d: services.record_award(actor=request.user, claim=claim,
                                                               awarded_amount=d["awarded_amount"],
                                                               awarded_on=d["awarded_on"],
                                                               expected_version=d["version"]),
                      success=_("The decision was recorded."))


@roles_required(PAYMENT_ROLES)
def claim_payment(request, claim_uuid):
    claim = _obj(request, CompensationClaim, claim_uuid)
    services.require_payer(request.user, claim.case)
    form = forms.CompensationPaymentForm(request.POST or None, initial={"version": claim.version})
    return _form_page(request, form=form, title=_("Compensation paid"), case=claim.case,
                      back=_case_page(claim.case) + "#money",
                      on_valid=lambda d: services.record_compensation_payment(
                          actor=request.user, claim=claim, amount=d["amount"], paid_on=d["paid_on"],
                          paid_from=d["paid_from"], expected_version=d["version"]),
                      success=_("The payment was recorded."))


@roles_required(frozenset({Role.SUPERVISOR}))
def compensation_reverse(request, payment_uuid):
    """A compensation payment recorded by mistake is reversed, never deleted; the correct one is then recorded."""
    return _reverse_page(
        request, _obj(request, CompensationPayment, payment_uuid), services.reverse_compensation_payment,
        title=_("Reverse a compensation payment"),
        success=_("The compensation payment was reversed. It stays in the record, marked reversed, and no longer "
                  "counts in the total paid; record the correct payment now if one was made."),
        intro=_("A compensation payment recorded with a wrong amount, on the wrong claim or twice is not deleted: "
                "it is reversed, with the reason, and stays in the case's record. To correct it, reverse this "
                "payment, then record the correct one."))


def _reverse_page(request, payment, reverse, *, title, success, intro):
    """The reversal form of a payment (allowance or compensation): the reverser rule told before any form (403),
    then the reason and the version read, handed to `reverse`."""
    case = payment.case
    services.require_reverser(request.user, payment)  # who may not is told why (403), before any form
    form = forms.ReversalForm(request.POST or None, initial={"version": payment.version})
    return _form_page(request, form=form, title=title, case=case, back=_case_page(case) + "#money",
                      on_valid=lambda d: reverse(actor=request.user, payment=payment, reason=d["reason"],
                                                 expected_version=d["version"]),
                      success=success, submit=_("Reverse the payment"), danger=True, intro=intro)


# --- foreigners and return ---------------------------------------------------------------------------------


@roles_required(RETURN_ROLES)
@require_POST
def permit_open(request, case_uuid):
    case = _return_section(request, _case(request, case_uuid))
    return pages.act(request, lambda data: services.open_residence_permit(actor=request.user, case=case),
                     success=None, next_page=_case_page(case) + "#return")


@roles_required(RETURN_ROLES)
def permit_edit(request, permit_uuid):
    permit = _return_obj(request, ResidencePermit, permit_uuid)
    form = forms.PermitForm(request.POST or None, initial={f: getattr(permit, f) for f in (
        "version", "status", "applied_on", "decided_on", "expires_on", "permit_number", "note")})

    def drawn():  # unbound (a GET, or a POST that sent nothing), the form shows the number and note stored: a read
        if not form.is_bound:
            selectors.PERMITS.viewed(request.user, permit)

    def act(data):
        version = data.pop("version")
        services.update_residence_permit(actor=request.user, permit=permit, data=data, expected_version=version)

    return _form_page(request, form=form, title=_("Temporary residence permit"), case=permit.case,
                      back=_case_page(permit.case) + "#return", on_valid=act, success=_("The permit was saved."),
                      drawn=drawn)


@roles_required(SERVICE_ROLES)
def interpreter_add(request, case_uuid):
    case = _case(request, case_uuid)
    form = forms.InterpreterForm(request.POST or None)
    return _form_page(request, form=form, title=_("The person needs an interpreter"), case=case,
                      back=_case_page(case) + "#interpreters",
                      on_valid=lambda d: services.add_interpreter_need(actor=request.user, case=case, **d),
                      success=_("The interpreter need was recorded."))


@roles_required(SERVICE_ROLES)
@require_POST
def interpreter_remove(request, need_uuid):
    need = _obj(request, InterpreterNeed, need_uuid)
    return pages.act(request, lambda data: services.remove_interpreter_need(actor=request.user, need=need),
                     success=_("The interpreter need was removed."), next_page=_case_page(need.case) + "#interpreters")


@roles_required(RETURN_ROLES)
def return_add(request, case_uuid):
    case = _return_section(request, _case(request, case_uuid))
    form = forms.ReturnForm(request.POST or None)
    return _form_page(request, form=form, title=_("Prepare a return or a reception"), case=case,
                      back=_case_page(case) + "#return",
                      on_valid=lambda d: services.plan_return(actor=request.user, case=case, **d),
                      success=_("The return was recorded."))


@roles_required(RETURN_ROLES)
def return_edit(request, return_uuid):
    plan = _return_obj(request, ReturnPlan, return_uuid)
    fields = ("version", "risk_level", "risk_notes", "documents_status", "documents_notes", "travel_date",
              "travel_notes", "receiving_organisation", "receiving_organisation_name")
    form = forms.ReturnEditForm(request.POST or None, initial={f: getattr(plan, f) for f in fields})

    def drawn():  # unbound (a GET, or a POST that sent nothing), the form shows the risks, documents and travel
        if not form.is_bound:  # stored: a read of the case
            selectors.RETURNS.viewed(request.user, plan)

    def act(data):
        version = data.pop("version")
        services.update_return(actor=request.user, plan=plan, data=data, expected_version=version)

    return _form_page(request, form=form, title=_("Return: risk, documents, travel"), case=plan.case,
                      back=_case_page(plan.case) + "#return", on_valid=act, success=_("The return was saved."),
                      drawn=drawn)


@roles_required(RETURN_ROLES)
def return_complete(request, return_uuid):
    plan = _return_obj(request, ReturnPlan, return_uuid)
    form = forms.CompleteReturnForm(request.POST or None, initial={"version": plan.version})
    return _form_page(request, form=form, title=_("Record the return"), case=plan.case,
                      back=_case_page(plan.case) + "#return",
                      on_valid=lambda d: services.complete_return(actor=request.user, plan=plan,
                                                                  completed_on=d["completed_on"],
                                                                  expected_version=d["version"]),
                      success=_("The return was recorded; a follow-up was scheduled."))


@roles_required(RETURN_ROLES)
def return_cancel(request, return_uuid):
    plan = _return_obj(request, ReturnPlan, return_uuid)
    form = forms.DeclineForm(request.POST or None, initial={"version": plan.version})
    return _form_page(request, form=form, title=_("Cancel the return"), case=plan.case, danger=True,
                      back=_case_page(plan.case) + "#return", submit=_("Cancel the return"),
                      on_valid=lambda d: services.cancel_return(actor=request.user, plan=plan, note=d["note"],
                                                                expected_version=d["version"]),
                      success=_("The return was cancelled."))


@roles_required(RETURN_ROLES)
def reunification_add(request, case_uuid):
    case = _return_section(request, _case(request, case_uuid))
    form = forms.ReunificationForm(request.POST or None)
    return _form_page(request, form=form, title=_("Family reunification"), case=case,
                      back=_case_page(case) + "#return",
                      on_valid=lambda d: services.start_reunification(actor=request.user, case=case, **d),
                      success=_("The family reunification was recorded."))


@roles_required(RETURN_ROLES)
def reunification_edit(request, item_uuid):
    item = _return_obj(request, FamilyReunification, item_uuid)
    form = forms.ReunificationEditForm(request.POST or None, initial={"version": item.version, "status": item.status})
    return _form_page(request, form=form, title=_("Family reunification"), case=item.case,
                      back=_case_page(item.case) + "#return",
                      on_valid=lambda d: services.update_reunification(actor=request.user, item=item,
                                                                       status=d["status"], note=d["note"],
                                                                       expected_version=d["version"]),
                      success=_("Saved."))


@roles_required(RETURN_ROLES)
def follow_up_add(request, case_uuid):
    case = _return_section(request, _case(request, case_uuid))
    form = forms.FollowUpForm(request.POST or None)
    return _form_page(request, form=form, title=_("Schedule a follow-up"), case=case, back=_case_page(case) + "#return",
                      on_valid=lambda d: services.schedule_follow_up(actor=request.user, case=case, **d),
                      success=_("The follow-up was scheduled."))


@roles_required(RETURN_ROLES)
def follow_up_record(request, item_uuid):
    item = _return_obj(request, FollowUp, item_uuid)
    form = forms.FollowUpRecordForm(request.POST or None)
    return _form_page(request, form=form, title=_("Record the follow-up"), case=item.case,
                      back=_case_page(item.case) + "#return",
                      on_valid=lambda d: services.record_follow_up(actor=request.user, item=item, **d),
                      success=_("The follow-up was recorded."))
