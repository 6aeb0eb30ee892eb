"""Case pages: thin — parse the form, call a service or selector, render."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nicat.access import policy, predicates
from nicat.access.decorators import case_worker_required
from nicat.accounts.models import Role
from nicat.cases import selectors, services
from nicat.cases.forms import CaseEditForm, CaseFilterForm, CaseForm, EventForm, NoteForm, PersonForm
from nicat.cases.models import CameToNotice, Case
from nicat.core import keyset, pages, submissions
from nicat.core.errors import ConcurrentEdit, NotAllowed
from nicat.core.forms import apply_errors
from nicat.persons.services import update_person

CASE_LIST_PAGE = 25


@case_worker_required
def case_list_view(request):
    """The cases the user may see, newest first contact first, 25 a page. "Next" and "Previous" carry a
    cursor (the last or first row shown, nicat.core.keyset): a deep page costs what the first costs and
    a row added meanwhile is neither skipped nor shown twice. `?page=N` (an old link) still works."""
    form = CaseFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    given = {k: v for k, v in filters.items() if v}
    cases = selectors.case_list(user=request.user, **given)
    page = None
    if request.GET.get("cursor") or request.GET.get("last"):
        try:
            page = keyset.page(cases, column="first_contact_at", size=CASE_LIST_PAGE, name="cases.list",
                               cursor=request.GET.get("cursor"), last=bool(request.GET.get("last")))
        except keyset.BadCursor:
            page = None  # an edited or stale link: the first page
    total = selectors.case_count(user=request.user, **given)  # once: the heading shows it, a numbered page needs it
    if page is None and request.GET.get("page"):
        numbered = Paginator(keyset.Deferred(cases, count=total), CASE_LIST_PAGE).get_page(request.GET.get("page"))
        page = keyset.around(list(numbered.object_list), has_next=numbered.has_next(),
                             has_previous=numbered.has_previous(), column="first_contact_at", name="cases.list")
    if page is None:
        page = keyset.page(cases, column="first_contact_at", size=CASE_LIST_PAGE, name="cases.list")
    selectors.list_shown(user=request.user, cases=page.object_list, channel="web")
    query = request.GET.copy()
    for key in ("page", "cursor", "last"):
        query.pop(key, None)
    return render(request, "cases/case_list.html", {"form": form, "page": page, "count": total,
                                                    "query": query.urlencode()})


@case_worker_required
def intake(request):
    person_form = PersonForm(request.POST or None, prefix="person")
    case_form = CaseForm(request.POST or None, prefix="case")
    if request.method == "POST" and person_form.is_valid() and case_form.is_valid():
        try:
            case = submissions.once(request, lambda: services.open_case(
                actor=request.user, person_data=person_form.to_service_data(), case_data=case_form.cleaned_data),
                location=lambda case: reverse("cases:detail", args=[case.uuid]))
        except submissions.Repeated as error:
            return pages.repeated(request, error, "cases:list")
        except submissions.Mismatch:
            case_form.add_error(None, pages.changed_since_sent())
        except ValidationError as error:
            apply_errors(case_form, error, also=person_form)
        else:
            messages.success(request, _("Case %(ref)s was opened.") % {"ref": case.reference})
            return redirect("cases:detail", case_uuid=case.uuid)
    if request.method == "GET":
        from django.utils import timezone

        case_form.initial["first_contact_at"] = timezone.localtime().replace(second=0, microsecond=0)
        if policy.has_role(request.user, Role.HOTLINE_OPERATOR):
            # A hotline operator's intake came through the hotline: never the form's first choice (self-referral).
            case_form.initial["came_to_notice"] = CameToNotice.HOTLINE
    return render(request, "cases/intake.html", {"person_form": person_form, "case_form": case_form})


@case_worker_required
def case_detail_view(request, case_uuid):
    case = selectors.case_page(user=request.user, case_uuid=case_uuid)
    narrative = "narrative" in policy.visible_sections(request.user, case)  # the route and the notes
    return render(request, "cases/case_detail.html", {
        "case": case, "person": case.person,
        "notes": selectors.case_notes(user=request.user, case=case) if narrative else [],
        "events": selectors.case_events(user=request.user, case=case) if narrative else [],
        "note_form": NoteForm(), "event_form": EventForm(prefix="event"),
    })


def _visible_case(request, case_uuid, *sections):
    """The case if the user may see it (else 404) and every named section of it (else 403)."""
    case = policy.get_visible_or_404(Case.objects, request.user, uuid=case_uuid)
    for section in sections:
        policy.require_section(request.user, case, section)
    return case


@case_worker_required
def case_edit(request, case_uuid):
    case = _visible_case(request, case_uuid, "narrative")
    form = CaseEditForm(request.POST or None, initial=CaseEditForm.initial_from(case), case=case,
                        owner=predicates.owns_case(request.user, case))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        if not data.get("trafficking_status"):
            data.pop("trafficking_status", None)  # not sent (the field is read-only): no change asked
        try:
            services.update_case(actor=request.user, case=case, data=data, expected_version=version)
        except ConcurrentEdit as error:
            form.add_error(None, error)
        except ValidationError as error:
            apply_errors(form, error)
        except NotAllowed:
            raise Http404 from None
        else:
            messages.success(request, _("The case was saved."))
            return redirect("cases:detail", case_uuid=case.uuid)
    selectors.edit_shown(user=request.user, case=case)
    return render(request, "cases/case_edit.html", {"case": case, "form": form})


@case_worker_required
def person_edit(request, case_uuid):
    case = _visible_case(request, case_uuid, "identity", "contacts")
    person = case.person
    form = PersonForm(request.POST or None, initial=PersonForm.initial_from(person))
    version_field = request.POST.get("version") if request.method == "POST" else person.version
    if request.method == "POST" and form.is_valid():
        try:
            version = int(version_field)
        except (TypeError, ValueError):
            form.add_error(None, _("The form is incomplete. Reload the page and try again."))
        else:
            try:
                update_person(actor=request.user, person=person, data=form.to_service_data(person.documents),
                              expected_version=version)
            except ValidationError as error:
                apply_errors(form, error)
            except NotAllowed:
                raise Http404 from None
            else:
                messages.success(request, _("The person's details were saved."))
                return redirect("cases:detail", case_uuid=case.uuid)
    selectors.edit_shown(user=request.user, case=case, person=True)
    return render(request, "cases/person_edit.html", {"case": case, "form": form, "version": version_field})


@case_worker_required
@require_POST
def note_add(request, case_uuid):
    case = _visible_case(request, case_uuid, "narrative")
    form = NoteForm(request.POST)
    said = None
    if form.is_valid():
        try:
            submissions.once(request, lambda: services.add_note(actor=request.user, case=case,
                                                                text=form.cleaned_data["text"]),
                             location=lambda note: reverse("cases:detail", args=[case.uuid]))
        except submissions.Repeated as error:
            form, said = NoteForm(), error.message
            if not request.headers.get("HX-Request"):
                return pages.repeated(request, error, reverse("cases:detail", args=[case.uuid]))
        except submissions.Mismatch:
            form.add_error("text", pages.changed_since_sent())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            form = NoteForm()
            messages.success(request, _("The note was added."))
    if not request.headers.get("HX-Request") and not form.errors:
        return redirect("cases:detail", case_uuid=case.uuid)
    # The answer shows the case's notes (the refused form re-shown with them, or the fragment that replaces the
    # list): a read of them, recorded as the API's list is (note.list), whatever became of the new note.
    context = {"case": case, "note_form": form, "said": said,
               "notes": selectors.notes_shown(user=request.user, case=case, channel="page")}
    if request.headers.get("HX-Request"):
        return render(request, "cases/_notes.html", context)
    return render(request, "cases/_notes_page.html", context, status=400)


@case_worker_required
@require_POST
def event_add(request, case_uuid):
    case = _visible_case(request, case_uuid, "narrative")
    form = EventForm(request.POST, prefix="event")
    if form.is_valid():
        try:
            submissions.once(request, lambda: services.add_event(actor=request.user, case=case, data=form.cleaned_data),
                             location=lambda event: reverse("cases:detail", args=[case.uuid]))
        except submissions.Repeated as error:
            return pages.repeated(request, error, reverse("cases:detail", args=[case.uuid]))
        except submissions.Mismatch:
            form.add_error(None, pages.changed_since_sent())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The trafficking event was added."))
            return redirect("cases:detail", case_uuid=case.uuid)
    return render(request, "cases/event_form_page.html", {"case": case, "event_form": form}, status=400)


@case_worker_required
def case_export(request):
    """The filtered case list as a confidential CSV/XLSX file (POST: the export is audited)."""
    from django.http import HttpResponse

    from nicat.cases.exports import export_cases
    from nicat.cases.forms import CaseExportForm

    filter_form = CaseFilterForm(request.GET or None)
    filters = {k: v for k, v in (filter_form.cleaned_data if filter_form.is_valid() else {}).items() if v}
    form = CaseExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            content, filename, kind = export_cases(actor=request.user, filters=filters, fmt=form.cleaned_data["format"],
                                                   identities=form.cleaned_data["identities"],
                                                   purpose=form.cleaned_data["purpose"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            response = HttpResponse(content, content_type=kind)
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            response["Cache-Control"] = "no-store"
            return response
    count = selectors.case_count(user=request.user, **filters)
    return render(request, "cases/export.html", {"form": form, "filter_form": filter_form, "count": count,
                                                 "query": request.GET.urlencode()})
