"""The public information site: no sign-in, no cookie, nothing from another origin.

The language is the `?lang=` of the address when given (az, ru, en), else the one Django's locale
middleware found (the staff language cookie when there is one, else the browser's Accept-Language,
else Azerbaijani). Choosing a language never sets a cookie: every link of the site carries `?lang=`.
Nothing here calls the CSRF token or writes the session, so an anonymous visitor gets no Set-Cookie.
"""
import functools

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from nicat.core.publicpage import chosen_language
from nicat.public import leaflet as leaflet_pdf
from nicat.public import selectors

LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)


def public_page(view):
    """Render `view` in the chosen language, and say so in Content-Language."""
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        lang = chosen_language(request)
        with translation.override(lang):
            request.LANGUAGE_CODE = lang
            response = view(request, *args, **kwargs)
        response["Content-Language"] = lang
        return response
    return wrapper


# The prose of each page is written per language (public/<lang>/<page>.html): long texts read better
# whole than cut into catalogue entries. Lists and figures come from the vocabularies, the legal
# parameters and the directory, in the page's language.
TITLES = {
    "home": _("Help against human trafficking"),
    "trafficking": _("What is trafficking"),
    "warning_signs": _("Warning signs"),
    "rights": _("Your rights"),
}
PAGES = tuple(TITLES)


def _context(request, page, **extra):
    return {"page": page, "lang": request.LANGUAGE_CODE, "languages": settings.LANGUAGES, **extra}


def _prose(request, page, **extra):
    context = _context(request, page, title=TITLES[page],
                       content_template=f"public/{request.LANGUAGE_CODE}/{page}.html", **extra)
    return render(request, "public/page.html", context)


@public_page
def home(request):
    return _prose(request, "home")


@public_page
def trafficking(request):
    return _prose(request, "trafficking", vocab=selectors.vocabularies(), figures=selectors.legal_figures())


@public_page
def warning_signs(request):
    return _prose(request, "warning_signs", vocab=selectors.vocabularies())


@public_page
def rights(request):
    return _prose(request, "rights", figures=selectors.legal_figures())


@public_page
def where_to_turn(request):
    """Where to turn: the hotline, the Main Department, and the directory's listed institutions by kind
    (also reached at /directory/public/, its former address)."""
    return render(request, "public/where_to_turn.html",
                  _context(request, "where_to_turn", **selectors.where_to_turn()))


def leaflet(request, lang):
    """The one-page leaflet of a language as a PDF, to print or share."""
    if lang not in LANGUAGES:
        raise Http404
    with translation.override(lang):
        data = leaflet_pdf.render(lang)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="nicat-leaflet-{lang}.pdf"'
    response["Content-Language"] = lang
    return response
