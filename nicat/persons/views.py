"""Person pages: search, the intake duplicate check (HTMX), the coordinator's review of duplicates."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nicat.access import predicates
from nicat.access.decorators import case_worker_required, requires
from nicat.core import pages
from nicat.core.errors import ConcurrentEdit
from nicat.persons import selectors, services
from nicat.persons.forms import CandidateForm, DismissForm, MergeForm, SearchForm, UndoForm

# The Main Department's coordinators review and merge duplicates across institutions.
coordinator_required = requires(predicates.is_coordinator)


@case_worker_required
def search(request):
    """The form is POSTed and the results drawn in the answer: names, document numbers and birth dates never
    travel in the address (nicat.core.pages.search_page)."""
    def run(cleaned):
        criteria = {k: v for k, v in cleaned.items() if v not in (None, "")}
        if not criteria:
            return None
        results = selectors.search_persons(user=request.user, **criteria)
        selectors.searched(user=request.user, criteria=criteria, results=results, channel="web")
        return results

    return pages.search_page(request, SearchForm, search=run, template="persons/search.html")


@case_worker_required
@require_POST
def candidates(request):
    """HTMX: likely and possible matches of the person being registered (before anything is saved)."""
    prefix = "person" if any(k.startswith("person-") for k in request.POST) else None
    form = CandidateForm(request.POST, prefix=prefix)
    context = {"result": None}
    if form.is_valid() and form.has_identity():
        try:
            context["result"] = selectors.duplicate_check(user=request.user, data=form.to_data(), channel="web")
        except selectors.TooManyChecks as refused:
            response = render(request, "persons/_candidates.html", {"refused": refused.user_message}, status=429)
            response["Retry-After"] = str(refused.retry_after)
            return response
    return render(request, "persons/_candidates.html", context)


@coordinator_required
def duplicate_list(request):
    signals = list(selectors.open_signals(user=request.user)[:200])
    return render(request, "persons/duplicates.html", {"signals": signals})


@coordinator_required
def duplicate_detail(request, signal_uuid):
    signal = selectors.signal_for_review(user=request.user, signal_uuid=signal_uuid, audit_view=True)
    return render(request, "persons/duplicate_detail.html", {
        "signal": signal, "a": selectors.pair_facts(signal.person_a), "b": selectors.pair_facts(signal.person_b),
        "merge_form": MergeForm(initial={"version": signal.version}), "dismiss_form": DismissForm(initial={"version": signal.version}),
    })


@coordinator_required
@require_POST
def duplicate_merge(request, signal_uuid):
    signal = selectors.signal_for_review(user=request.user, signal_uuid=signal_uuid)
    form = MergeForm(request.POST)

    def merge(data):
        keep_a = data["keep"] == "a"
        survivor, merged = (signal.person_a, signal.person_b) if keep_a else (signal.person_b, signal.person_a)
        try:
            return services.merge_persons(actor=request.user, survivor=survivor, merged=merged,
                                          reason=data["reason"], signal=signal, expected_version=data["version"])
        except ConcurrentEdit:
            raise ValidationError(_("Someone else decided on this pair in the meantime. Reload to see their "
                                    "decision.")) from None

    return pages.form_page(
        request, form, call=merge,
        success=_("The two records were merged. The merge can be undone from the list of merges."),
        next_page=reverse("persons:merges"), refused_on_form=False,
        render_page=lambda status: _pair_page_again(request, signal, form, status))


def _pair_page_again(request, signal, form, status):
    """The pair page again with the merge form's errors: both persons are shown again, a read like the first."""
    selectors.pair_viewed(user=request.user, signal=signal)
    return render(request, "persons/duplicate_detail.html", {
        "signal": signal, "a": selectors.pair_facts(signal.person_a), "b": selectors.pair_facts(signal.person_b),
        "merge_form": form, "dismiss_form": DismissForm(initial={"version": signal.version})}, status=status)


@coordinator_required
@require_POST
def duplicate_dismiss(request, signal_uuid):
    signal = selectors.signal_for_review(user=request.user, signal_uuid=signal_uuid)
    form = DismissForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form is incomplete. Reload the page and try again."))
        return redirect("persons:duplicate", signal_uuid=signal.uuid)
    try:
        services.dismiss_signal(actor=request.user, signal=signal, expected_version=form.cleaned_data["version"])
    except ConcurrentEdit:
        messages.error(request, _("Someone else decided on this pair in the meantime. Reload to see their decision."))
        return redirect("persons:duplicate", signal_uuid=signal.uuid)
    messages.success(request, _("Recorded: the two records are different people."))
    return redirect("persons:duplicates")


@coordinator_required
def merge_list(request):
    return render(request, "persons/merges.html", {"merges": selectors.merge_list(user=request.user),
                                                   "undo_form": UndoForm()})


@coordinator_required
@require_POST
def merge_undo(request, merge_uuid):
    merge = selectors.merge_for_review(user=request.user, merge_uuid=merge_uuid)
    form = UndoForm(request.POST)
    return pages.form_page(
        request, form, call=lambda data: services.undo_merge(actor=request.user, merge=merge, reason=data["reason"]),
        success=_("The merge was undone: both records are separate again."), next_page=reverse("persons:merges"),
        refused_on_form=False, render_page=lambda status: render(request, "persons/merges.html", {
            "merges": selectors.merge_list(user=request.user), "undo_form": form, "failed": merge},
            status=status))
