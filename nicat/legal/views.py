"""The page of the legal parameters in force, with their sources (every signed-in member of staff)."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from nicat.core.calendar import baku_today
from nicat.legal import selectors, services


@login_required
def parameters(request):
    today = baku_today()
    return render(request, "legal/parameters.html", {
        "today": today, "rows": selectors.parameters_overview(today),
        "may_edit": services.is_administrator(request.user)})
