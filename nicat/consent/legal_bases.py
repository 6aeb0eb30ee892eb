"""The legal bases that may replace consent: a configured list, because only a law can impose an exception.

`settings.NICAT_LEGAL_BASES` (a list of dicts) overrides the default below:

    {"code": "court_order", "az": "...", "ru": "...", "en": "...", "purposes": ["law_enforcement", ...]}

`purposes` limits the purposes a basis may be used for; leave it out for any purpose. `order` (default
true) says the basis is a decision (a court's or a prosecutor's order): using it needs the issuing body,
the number, the date and a copy. Every use waits for approval by a supervisor of the competent authority. The
defaults name the exceptions the domain facts support; the exact articles are to be confirmed by
the operator's lawyers (docs/referrals.md), hence configuration rather than constants.
"""
from django.conf import settings
from django.utils.translation import get_language

DEFAULT_LEGAL_BASES = [
    {
        "code": "court_order",
        "az": "Məhkəmənin qərarı",
        "ru": "Решение суда",
        "en": "Court decision",
    },
    {
        "code": "prosecutor_decision",
        "az": "Prokurorun qərarı",
        "ru": "Постановление прокурора",
        "en": "Decision of a prosecutor",
        "purposes": ["law_enforcement"],
    },
    {
        "code": "crime_report_duty",
        "az": "Cinayət-prosessual qanunvericiliyi ilə cinayət haqqında məlumat vermək vəzifəsi",
        "ru": "Обязанность сообщить о преступлении по уголовно-процессуальному законодательству",
        "en": "Duty to report a crime under the criminal-procedure legislation",
        "purposes": ["law_enforcement"],
        "order": False,
    },
]

# The audit reason of a legal basis's request, approval and rejection: this prefix and the basis's code (the audit
# trail shows it in the reader's language, nicat.consent.apps).
AUDIT_REASON_PREFIX = "legal basis: "


def legal_bases():
    return list(getattr(settings, "NICAT_LEGAL_BASES", None) or DEFAULT_LEGAL_BASES)


def get(code):
    for basis in legal_bases():
        if basis.get("code") == code:
            return basis
    return None


def label(code):
    basis = get(code)
    if basis is None:
        return code
    lang = (get_language() or "az")[:2]
    return basis.get(lang) or basis.get("en") or code


def requires_order(code):
    basis = get(code)
    return basis is None or basis.get("order", True) is not False


def allows(code, purpose):
    basis = get(code)
    if basis is None:
        return False
    purposes = basis.get("purposes")
    return not purposes or purpose in purposes


def choices(purpose=None):
    return [(b["code"], label(b["code"])) for b in legal_bases() if purpose is None or allows(b["code"], purpose)]
