"""Break-glass and access-restriction pages. Thin: check the role, parse, call a service, render."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nicat.access import selectors, services
from nicat.access.forms import BreakGlassForm, RestrictionOrderForm, ReviewForm
from nicat.core import pages


def _require(check, user):
    if not check(user):
        raise PermissionDenied


@login_required
def break_glass(request):
    """A supervisor opens a case outside their access: reference, written reason, a few hours."""
    _require(services.may_break_glass, request.user)
    form = BreakGlassForm(request.POST or None)

    def opened(opening):  # a warning, not a success: the user now sees what is not theirs
        messages.warning(request, _("Break-glass: you can see case %(ref)s for %(hours)s hours. The owner "
                                    "institution is told, and the opening will be reviewed.")
                         % {"ref": opening.case.reference, "hours": f"{services.break_glass_hours():g}"})

    return pages.form_page(
        request, form, call=lambda data: services.open_break_glass(
            actor=request.user, case_reference=data["case_reference"], reason=data["reason"]),
        success=opened, next_page=lambda opening: reverse("cases:detail", args=[opening.case.uuid]),
        refused_on_form=False, template="access/break_glass.html",
        context=lambda: {"hours": f"{services.break_glass_hours():g}",
                         "mine": selectors.my_break_glass(user=request.user)[:20]})


@login_required
def break_glass_review(request):
    """Supervisors: openings to review (their staff's, and those on their institution's cases)."""
    _require(services.may_break_glass, request.user)
    openings = selectors.break_glass_review_shown(user=request.user)
    for opening in openings:
        opening.may_review = services.may_review(request.user, opening)
    return render(request, "access/break_glass_review.html", {"openings": openings, "form": ReviewForm()})


@login_required
@require_POST
def break_glass_reviewed(request, opening_uuid):
    _require(services.may_break_glass, request.user)
    opening = selectors.break_glass_for_review(user=request.user).filter(uuid=opening_uuid).first()
    if opening is None:
        raise Http404
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a review note before marking the opening as reviewed."))
        return redirect("access:break_glass_review")
    return pages.act(request, lambda data: services.review_break_glass(
        actor=request.user, opening=opening, note=form.cleaned_data["note"]),
        success=_("The review was recorded."), next_page="access:break_glass_review", not_allowed=403)


@login_required
@require_POST
def break_glass_end(request, opening_uuid):
    opening = selectors.my_break_glass(user=request.user).filter(uuid=opening_uuid).first()
    if opening is None:
        raise Http404
    services.end_break_glass(actor=request.user, opening=opening)
    messages.info(request, _("Your break-glass access to %(ref)s has ended.") % {"ref": opening.case.reference})
    return redirect("access:break_glass")


@login_required
def restrictions(request):
    """Access-restriction orders: the competent authority records and lifts them; supervisors of an
    owner institution see the orders on their cases."""
    _require(services.may_list_restrictions, request.user)
    may_record = services.may_record_restrictions(request.user)
    form = RestrictionOrderForm(request.POST or None) if may_record else None
    if request.method == "POST" and not may_record:
        raise PermissionDenied
    context = {"may_record": may_record, "orders": selectors.restriction_orders_for(user=request.user)[:500]}
    if form is None:
        return render(request, "access/restrictions.html", {"form": None, **context})
    return pages.form_page(
        request, form, call=lambda data: services.record_restriction_order(
            actor=request.user, case_reference=data["case_reference"], issued_by=data["issued_by"],
            issuing_body=data["issuing_body"], decision_reference=data["decision_reference"],
            decided_on=data["decided_on"], allowed_roles=data["allowed_roles"]),
        success=lambda order: _("The order on case %(ref)s was recorded. Access is restricted from now on.")
        % {"ref": order.case.reference},
        next_page=reverse("access:restrictions"), refused_on_form=False, template="access/restrictions.html",
        context=context)


@login_required
@require_POST
def restriction_lift(request, order_uuid):
    _require(services.may_record_restrictions, request.user)
    order = selectors.restriction_orders_for(user=request.user).filter(uuid=order_uuid).first()
    if order is None:
        raise Http404
    return pages.act(request, lambda data: services.lift_restriction_order(actor=request.user, order=order),
                     success=_("The order on case %(ref)s was lifted.") % {"ref": order.case.reference},
                     next_page="access:restrictions")
