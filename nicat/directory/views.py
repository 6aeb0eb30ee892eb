"""Directory pages: the staff search, an institution's card, and the public page (no sign-in)."""
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from nicat.directory import selectors
from nicat.directory.forms import DirectorySearchForm
from nicat.directory.models import Institution


@login_required
def search(request):
    form = DirectorySearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    institutions = selectors.institution_search(**{k: v for k, v in filters.items() if v})
    rows = [{"institution": i, "address_visible": selectors.institution_address_visible_to(request.user, i)}
            for i in institutions]
    return render(request, "directory/search.html", {"form": form, "rows": rows})


@login_required
def detail(request, uuid):
    try:
        institution = selectors.institution_detail(uuid=uuid)
    except Institution.DoesNotExist:
        raise Http404 from None
    return render(request, "directory/detail.html", {
        "institution": institution,
        "address_visible": selectors.institution_address_visible_to(request.user, institution),
        "address_confidential": selectors.address_is_confidential(institution),
    })


def public(request):
    """The former public page: now the "where to turn" page of the public site (/public/where-to-turn/),
    which shows the same data (selectors.public_institutions). The address keeps working; `?lang=` is kept."""
    target = reverse("public:where_to_turn")
    lang = request.GET.get("lang", "")
    if lang in dict(settings.LANGUAGES):
        target += "?" + urlencode({"lang": lang})
    return redirect(target)
