"""The public site's pages outside nicat/public (the "ask for help" form, the certificate check): its language
rule and its layout, written once (docs/public-site.md)."""
from django.conf import settings
from django.shortcuts import render
from django.utils import translation


def chosen_language(request):
    """`?lang=` when it names a language of the site, else what the locale middleware found (the browser's).
    Never a cookie."""
    codes = [code for code, _name in settings.LANGUAGES]
    lang = request.GET.get("lang", "")
    if lang in codes:
        return lang
    current = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    return current if current in codes else codes[0]


def render_public(request, template, context, *, page, status=200):
    """`template` rendered for the public site (its layout, public/base.html, reads `page`, `lang` and
    `languages`) in the chosen language, said in Content-Language."""
    lang = chosen_language(request)
    with translation.override(lang):
        request.LANGUAGE_CODE = lang
        response = render(request, template, {"page": page, "lang": lang, "languages": settings.LANGUAGES,
                                              **context}, status=status)
    response["Content-Language"] = lang
    return response
