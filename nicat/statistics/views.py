"""The statistics page: counts of Nicat's cases for analysts (small cells withheld, the other figures
perturbed) and supervisors."""
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nicat.core.forms import apply_errors
from nicat.statistics.forms import CaseTableForm
from nicat.statistics.selectors import case_table, statistics_audience, value_labels


@login_required
def cases(request):
    if statistics_audience(request.user) is None:
        raise PermissionDenied
    form = CaseTableForm(request.GET or None)
    table = None
    if form.is_bound and form.is_valid():
        by = [form.cleaned_data["by"]] + ([form.cleaned_data["then"]] if form.cleaned_data["then"] else [])
        try:
            table = case_table(user=request.user, by=by, date_from=form.cleaned_data["date_from"],
                               date_to=form.cleaned_data["date_to"])
        except ValidationError as error:
            apply_errors(form, error)
    elif not form.is_bound:
        form = CaseTableForm(initial={"by": "year"})
        table = case_table(user=request.user, by=["year"])
    return render(request, "statistics/cases.html", {"form": form, "view": _view_model(table) if table else None,
                                                     "published": _published(request),
                                                     "proceedings": _proceedings(request)})


def _proceedings(request):
    """Investigations, prosecutions and convictions by year (`?proceedings_by=exploitation`: and by form of
    exploitation), with the same small-cell suppression (nicat.statistics.proceedings)."""
    from nicat.statistics.proceedings import proceedings_table, view_model

    by = ("year", "exploitation") if request.GET.get("proceedings_by") == "exploitation" else ("year",)
    return view_model(proceedings_table(user=request.user, by=by))


def _published(request):
    """A published dataset (CTDC) beside Nicat's own figures: its counts by one of its columns,
    cells under k withheld as CTDC publishes them."""
    from nicat.core.replica import replica_reads
    from nicat.statistics.models import Dataset
    from nicat.statistics.selectors import dataset_table
    from nicat.statistics.suppression import DEFAULT_K

    with replica_reads():  # published figures, like the statistics beside them: the replica when there is one
        datasets = list(Dataset.objects.order_by("name"))
    if not datasets:
        return None
    chosen = next((d for d in datasets if d.name == request.GET.get("dataset")), datasets[0])
    column = request.GET.get("dataset_by") or ("gender" if "gender" in chosen.columns else chosen.columns[0])
    if column not in chosen.columns:
        column = chosen.columns[0]
    table = dataset_table(dataset=chosen, by=[column], k=DEFAULT_K)
    return {"datasets": datasets, "dataset": chosen, "column": column, "k": DEFAULT_K, "table": table,
            "withheld": {"withheld": True},
            "rows": [(cell[column], cell["count"]) for cell in table["cells"]]}


def _view_model(table, dimensions=None):
    """The table as rows of display cells: numbers, or withheld marks."""
    from nicat.statistics.dimensions import DIMENSIONS

    dimensions = dimensions or DIMENSIONS
    dims = [dimensions[c] for c in table["dimensions"]]
    row_labels = value_labels(dims[0].code, table["rows"], dimensions)
    two = len(dims) == 2
    col_labels = value_labels(dims[1].code, table["columns"], dimensions) if two else {}
    columns = table["columns"] if two else [None]

    def cell(key):
        if key in table["withheld"]:
            return {"withheld": True}
        return {"count": table["counts"].get(key, 0)}

    rows = []
    for a in table["rows"]:
        cells = [cell((a, b) if two else (a,)) for b in columns]
        total = None
        if two and a in table["row_totals"]:
            total = {"withheld": True} if a in table["hidden_row_totals"] else {"count": table["row_totals"][a]}
        rows.append({"label": row_labels[a], "cells": cells, "total": total})
    column_totals = []
    if two and table["column_totals"]:
        column_totals = [{"withheld": True} if b in table["hidden_column_totals"]
                         else {"count": table["column_totals"].get(b, 0)} for b in columns]
    # Withheld figures are gaps (null) in the chart, never a guess.
    if two:
        datasets = [{"label": str(col_labels[b]), "data": [r["cells"][i].get("count") for r in rows]}
                    for i, b in enumerate(table["columns"])]
    else:
        datasets = [{"label": str(dims[0].label), "data": [r["cells"][0].get("count") for r in rows]}]
    chart = {"type": "bar",
             "labels": [str(r["label"]) for r in rows], "datasets": datasets}
    return {
        "dimensions": dims, "two": two, "columns": [col_labels[b] for b in table["columns"]], "rows": rows,
        "column_totals": column_totals, "total": None if table["total_withheld"] else table["total"],
        "k": table["k"], "additive": table["additive"], "chart": chart,
        "has_row_totals": bool(table["row_totals"]),
        "withheld_figure": {"withheld": True},
        "as_of": table.get("as_of"),
        "perturbed": table.get("perturbed", False),
        "identity_only": "identity" in table.get("sections", ()),
    }


@login_required
def annual_report(request):
    from django.http import HttpResponse
    from django.utils import timezone

    from nicat.statistics.forms import ReportForm
    from nicat.statistics.selectors import report_editions
    from nicat.statistics.services import annual_report as build

    editions = report_editions(request.user)
    if not editions:
        raise PermissionDenied
    form = ReportForm(request.GET or None, editions=editions,
                      initial={"year": timezone.localdate().year - 1, "language": request.LANGUAGE_CODE,
                               "edition": editions[0], "format": "pdf"})
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            content = build(actor=request.user, year=data["year"], language=data["language"],
                            edition=data["edition"], fmt=data["format"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            suffix = "-public" if data["edition"] == "public" else ""
            kind = "application/pdf" if data["format"] == "pdf" else \
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            response = HttpResponse(content, content_type=kind)
            response["Content-Disposition"] = (f'attachment; filename="annual-report-{data["year"]}-'
                                               f'{data["language"]}{suffix}.{data["format"]}"')
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "statistics/report.html", {"form": form})


@login_required
def calls(request):
    """The hotline's contacts counted (issue 16), with the same suppression as the cases' figures."""
    from nicat.statistics.dimensions import CALL_DIMENSIONS
    from nicat.statistics.forms import CallTableForm
    from nicat.statistics.selectors import call_audience, call_table

    if call_audience(request.user) is None:
        raise PermissionDenied
    form = CallTableForm(request.GET or None)
    table = None
    if form.is_bound and form.is_valid():
        by = [form.cleaned_data["by"]] + ([form.cleaned_data["then"]] if form.cleaned_data["then"] else [])
        try:
            table = call_table(user=request.user, by=by, date_from=form.cleaned_data["date_from"],
                               date_to=form.cleaned_data["date_to"])
        except ValidationError as error:
            apply_errors(form, error)
    elif not form.is_bound:
        form = CallTableForm(initial={"by": "reason"})
        table = call_table(user=request.user, by=["reason"])
    view = _view_model(table, CALL_DIMENSIONS) if table else None
    if view is not None:
        view["job_offers"] = table["job_offers"]
    return render(request, "statistics/calls.html", {"form": form, "view": view})


@login_required
def report_schedules(request):
    """The user's standing orders for the annual report (made by `nicat worker` every month or year), the
    reports made so far to download, and a form to order one more."""
    from nicat.core.pages import form_page
    from nicat.statistics.forms import ReportScheduleForm
    from nicat.statistics.selectors import report_editions
    from nicat.statistics.selectors import report_schedules as schedules_of
    from nicat.statistics.services import schedule_report

    editions = report_editions(request.user)
    if not editions:
        raise PermissionDenied
    form = ReportScheduleForm(request.POST if request.method == "POST" else None, editions=editions,
                              initial={"frequency": "monthly", "language": request.LANGUAGE_CODE,
                                       "edition": editions[0], "format": "pdf"})
    return form_page(
        request, form,
        call=lambda data: schedule_report(actor=request.user, frequency=data["frequency"], edition=data["edition"],
                                          language=data["language"], fmt=data["format"]),
        success=_("The report is ordered: the first is made within the hour, then one at the start of each period. You are notified each time."),
        next_page="statistics:report_schedules", template="statistics/report_schedules.html",
        context=lambda: {"schedules": schedules_of(request.user)})


@login_required
@require_POST
def end_report_schedule(request, uuid):
    from nicat.core.pages import act
    from nicat.statistics.services import end_report_schedule as end

    return act(request, lambda data: end(actor=request.user, schedule_uuid=uuid),
               success=_("The standing order is stopped. The reports already made stay here."),
               next_page="statistics:report_schedules")


@login_required
def scheduled_report(request, uuid):
    """One made report, downloaded by its owner (audited); anyone else: 404."""
    from django.http import Http404, HttpResponse

    from nicat.core.errors import NotAllowed
    from nicat.statistics.services import scheduled_report_file

    try:
        content, name, kind = scheduled_report_file(actor=request.user, report_uuid=uuid)
    except NotAllowed:
        raise Http404 from None
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
