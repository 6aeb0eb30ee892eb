"""Pages of the daily work: My work, tasks, assigning a case, approvals and their settings. Thin: parse the
form, call a service or selector, render; a refusal shows on the same form with the input kept."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nicat.access import policy
from nicat.access.decorators import case_worker_required
from nicat.accounts.models import Role
from nicat.cases.models import Case
from nicat.core import pages
from nicat.core.calendar import baku_today
from nicat.core.errors import NotAllowed
from nicat.core.forms import apply_errors
from nicat.work import forms, selectors, services
from nicat.work.models import ApprovalStatus

PAGE_SIZE = 25


def _case(request, case_uuid):
    """The case if the user may see it, else 404 (a form about the case reads no identifying data)."""
    return policy.get_visible_or_404(Case.objects, request.user, uuid=case_uuid)


@case_worker_required
def my_work(request):
    form = forms.FilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    window = data.get("window") or "week"
    items = selectors.work_list(user=request.user, kind=data.get("kind", ""), window=window,
                                scope=data.get("scope", ""))
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.with_names(user=request.user, items=list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "work/my_work.html", {"form": form, "page": page, "today": baku_today(),
                                                 "query": query.urlencode(), "total": len(items),
                                                 "is_supervisor": policy.has_role(request.user, Role.SUPERVISOR)})


def _staff_who_see(case):
    """Staff of the owner institution (assigning a task most often stays in the house)."""
    return services.staff_of(case.owner_institution)


@case_worker_required
def task_new(request, case_uuid):
    case = _case(request, case_uuid)
    form = forms.TaskForm(request.POST or None, staff=_staff_who_see(case))
    back = reverse("cases:detail", args=[case.uuid])
    return pages.form_page(
        request, form, template="work/form.html", next_page=back,
        context={"case": case, "title": _("New task or follow-up"), "back": back},
        call=lambda d: reverse("work:task", args=[services.create_task(actor=request.user, case=case, data=d).uuid]),
        success=_("The task was created."))


@case_worker_required
def task_detail(request, task_uuid):
    task = selectors.task(user=request.user, task_uuid=task_uuid)
    may_change = services.may_change_task(request.user, task)
    edit = forms.TaskForm(request.POST or None, staff=_staff_who_see(task.case), initial={
        "kind": task.kind, "title": task.title, "due_on": task.due_on, "assigned_to": task.assigned_to,
        "version": task.version})
    if request.method == "POST":
        if not may_change:
            raise Http404
        if edit.is_valid():
            try:
                services.update_task(actor=request.user, task=task, data=edit.cleaned_data,
                                     version=edit.cleaned_data.get("version"))
            except NotAllowed:
                raise Http404 from None
            except ValidationError as error:
                apply_errors(edit, error)
            else:
                messages.success(request, _("The task was changed."))
                return redirect("work:task", task.uuid)
    return render(request, "work/task.html", {
        "task": task, "edit": edit, "may_change": may_change and not task.is_done,
        "complete": forms.CompleteForm(initial={"version": task.version})},
        status=400 if request.method == "POST" else 200)


@case_worker_required
@require_POST
def task_complete(request, task_uuid):
    task = selectors.task(user=request.user, task_uuid=task_uuid)
    form = forms.CompleteForm(request.POST)
    if form.is_valid():
        try:
            services.complete_task(actor=request.user, task=task, outcome=form.cleaned_data["outcome"],
                                   version=form.cleaned_data["version"])
        except NotAllowed:
            raise Http404 from None
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The task is done."))
            return redirect("work:task", task.uuid)
    return render(request, "work/task.html", {"task": task, "complete": form, "may_change": True,
                                              "edit": None}, status=400)


@case_worker_required
def assign(request, case_uuid):
    case = _case(request, case_uuid)
    team = services.team_of(case)
    if not (services.may_assign(request.user, case) or services.may_take(request.user, case, team)):
        raise _forbidden()
    supervisor = services.may_assign(request.user, case)
    initial = {"version": team.version if team else 0,
               "worker": team.worker if team else (None if supervisor else request.user),
               "members": list(team.members.all()) if team else []}
    form = forms.AssignForm(request.POST or None, staff=services.staff_of(case.owner_institution), initial=initial)
    if not supervisor:
        form.fields.pop("members")
        form.fields["worker"].queryset = form.fields["worker"].queryset.filter(pk=request.user.pk)
    back = reverse("cases:detail", args=[case.uuid])
    return pages.form_page(
        request, form, template="work/form.html", next_page=back,
        context={"case": case, "title": _("Assign the case") if supervisor else _("Take the case"), "back": back,
                 "intro": "" if supervisor else _("Nobody is assigned to this case. You can take it yourself; "
                                                  "your supervisor can change it later.")},
        call=lambda d: services.assign_case(actor=request.user, case=case, worker=d.get("worker"),
                                            members=d.get("members") or [], version=d["version"]),
        success=_("The case's worker and team were saved."))


def _forbidden():
    from django.core.exceptions import PermissionDenied

    error = PermissionDenied()
    error.user_message = _("Only a supervisor of the institution that owns the case assigns it; anyone working on "
                           "cases there may take a case nobody is assigned to.")
    return error


def _supervisor_required(view):
    def wrapped(request, *args, **kwargs):
        if not policy.has_role(request.user, Role.SUPERVISOR):
            raise _forbidden_supervisor()
        return view(request, *args, **kwargs)
    wrapped.__name__ = view.__name__
    return case_worker_required(wrapped)


def _forbidden_supervisor():
    from django.core.exceptions import PermissionDenied

    error = PermissionDenied()
    error.user_message = _("Only supervisors approve and choose what needs approval.")
    return error


@case_worker_required
def approvals(request):
    status = request.GET.get("status") or ApprovalStatus.PENDING
    if status not in ApprovalStatus.values:
        status = ApprovalStatus.PENDING
    rows = selectors.approval_queue(user=request.user, status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "work/approvals.html", {"page": page, "status": status,
                                                   "statuses": ApprovalStatus.choices})


@case_worker_required
def approval_detail(request, approval_uuid):
    row = selectors.approval(user=request.user, approval_uuid=approval_uuid)
    form = forms.DecisionForm(request.POST or None, initial={"version": row.version})
    if request.method == "POST":
        if not services.may_decide(request.user, row):
            raise Http404
        if form.is_valid():
            approve = request.POST.get("decision") == "approve"
            try:
                services.decide_approval(actor=request.user, approval=row, approve=approve,
                                         note=form.cleaned_data["note"], version=form.cleaned_data["version"])
            except NotAllowed:
                raise Http404 from None
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Approved: the action was carried out.") if approve
                                 else _("Not approved. The requester is notified."))
                return redirect("work:approval", row.uuid)
    return render(request, "work/approval.html", {
        "approval": row, "form": form, "may_decide": services.may_decide(request.user, row)
        and row.status == ApprovalStatus.PENDING,
        "case_visible": policy.visible_cases(request.user).filter(pk=row.case_id).exists()},
        status=400 if request.method == "POST" else 200)


@_supervisor_required
def approval_settings(request):
    institutions = [m.institution for m in policy.memberships(request.user) if m.role == Role.SUPERVISOR]
    institution = institutions[0]
    wanted = request.POST.get("institution") or request.GET.get("institution")
    if wanted:
        institution = next((i for i in institutions if str(i.uuid) == wanted), None)
        if institution is None:
            raise Http404
    row = services.setting_for(institution)
    initial = {"version": row.version, **{k: getattr(row, k) for k in row.KINDS}}
    form = forms.SettingsForm(request.POST or None, initial=initial)
    return pages.form_page(
        request, form, template="work/settings.html", context={"institution": institution,
                                                               "institutions": institutions},
        next_page=reverse("work:settings") + f"?institution={institution.uuid}",
        call=lambda d: services.update_settings(actor=request.user, institution=institution, data=d,
                                                version=d["version"]),
        success=_("Saved: these actions now need a supervisor's approval."))
