"""Sentences for the engine's reason and gap codes, in the reader's language.

The engine stores codes and numbers (so a stored screening can be re-read in any language);
this module turns them into sentences a case worker understands.
"""
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from nicat.identification import indicators as data

NEXT_STEP_LABELS = {
    "refer_identification": gettext_lazy("Refer for identification"),
    "refer_assistance": gettext_lazy("Refer for assistance"),
    "no_indication": gettext_lazy("No indication of trafficking"),
}
POPULATION_LABELS = {"adult": gettext_lazy("adult"), "child": gettext_lazy("child")}
STRENGTH_LABELS = {"strong": gettext_lazy("strong"), "medium": gettext_lazy("medium"), "weak": gettext_lazy("weak")}
LEGAL_ELEMENT_LABELS = {"acts": gettext_lazy("the acts"), "means": gettext_lazy("the means"),
                        "purposes": gettext_lazy("the purpose of exploitation")}


def _terms(vocabulary, codes):
    from nicat.vocab.models import Term

    labels = {t.code: t.label for t in Term.objects.filter(vocabulary=vocabulary, code__in=codes or [])}
    return ", ".join(labels.get(c, c) for c in codes or []) or "—"


def _element(code):
    try:
        return data.indicator_set().element(code).label
    except StopIteration:
        return code


def _indicator(code):
    indicator = data.indicator_set().by_code.get(code)
    return indicator.label if indicator else code


def _needed(needed):
    parts = []
    order = {"strong": 0, "strong+medium": 1, "medium": 2, "medium+weak": 3, "weak": 4}
    for key, count in sorted((needed or {}).items(), key=lambda kv: order.get(kv[0], 9)):
        grades = " / ".join(str(STRENGTH_LABELS.get(s, s)) for s in key.split("+"))
        parts.append(f"{count} × {grades}")
    return ", ".join(parts)


def sentence(item):
    """One reason or gap as a sentence."""
    code, p = item.get("code"), item.get("params") or {}
    if code == "age_child":
        return _("The person was %(age)s at the time of the acts: a child. The means are not needed, and the "
                 "child lists of indicators apply.") % {"age": p.get("age")}
    if code == "age_estimate_margin":
        if p.get("majority") is None:  # a result stored before the age of majority was part of it
            return _("The person's age at the time of the acts is estimated at %(age)s, close to the age of "
                     "majority: the person is treated as a child until the age is established.") % {"age": p.get("age")}
        return _("The person's age at the time of the acts is estimated at %(age)s, close to %(majority)s: the person "
                 "is treated as a child until the age is established.") % {"age": p.get("age"),
                                                                           "majority": p["majority"]}
    if code == "age_unknown":
        return _("The age at the time of the acts is not known: the person is presumed to be a child until the age "
                 "is established, so the means are not required and the child lists apply.")
    if code == "age_adult":
        return _("The person was %(age)s at the time of the acts: an adult. An act, a means and a purpose of "
                 "exploitation are all needed.") % {"age": p.get("age")}
    if code == "legal_met_adult":
        return _("All three elements of the legal definition are reported: acts (%(acts)s), means (%(means)s) and "
                 "purpose (%(purposes)s).") % {"acts": _terms("act", p.get("acts")),
                                                "means": _terms("means", p.get("means")),
                                                "purposes": _terms("exploitation", p.get("purposes"))}
    if code == "legal_met_child":
        return _("An act (%(acts)s) and a purpose of exploitation (%(purposes)s) are reported; for a child no means "
                 "is needed.") % {"acts": _terms("act", p.get("acts")),
                                  "purposes": _terms("exploitation", p.get("purposes"))}
    if code == "legal_not_met":
        return _("The legal definition is not complete yet: see what is missing.")
    if code == "consent_irrelevant_child":
        return _("The person says they agreed; a child's consent does not count.")
    if code == "consent_irrelevant_means":
        return _("The person says they agreed, but consent obtained by a means (%(means)s) does not count.") % {
            "means": _terms("means", p.get("means"))}
    if code == "consent_adult_no_means":
        return _("The person says they agreed and no means is recorded. Check again for deception, coercion or "
                 "abuse of vulnerability: consent obtained that way does not count.")
    if code == "element_met":
        return _("%(element)s: present — %(indicators)s.") % {
            "element": _element(p.get("element")),
            "indicators": "; ".join(_indicator(c) for c in p.get("indicators") or [])}
    if code == "profile_met_adult":
        return _("The indicators point to trafficking: recruitment by deception, coercion or abuse of vulnerability, "
                 "together with exploitation, coercion or abuse of vulnerability at destination.")
    if code == "profile_met_child":
        return _("The indicators point to trafficking of a child: exploitation, coercion or abuse of vulnerability "
                 "at destination (for a child, no means at recruitment is needed).")
    if code == "next_refer_identification":
        if p.get("hours") is None:  # a result stored before the hours were part of it: the case page has them
            return _("Refer the person to the Main Department for identification, within the deadline the case "
                     "page shows. This is a recommendation: the Main Department decides.")
        return _("Refer the person to the Main Department for identification, within %(hours)s hours of the first "
                 "contact. This is a recommendation: the Main Department decides.") % {"hours": p["hours"]}
    if code == "next_refer_assistance":
        return _("There are signs of exploitation or vulnerability, but not yet of trafficking: offer assistance, "
                 "and screen again when more facts are known.")
    if code == "next_no_indication":
        return _("Nothing recorded so far indicates trafficking. Screen again if more facts come to light.")
    if code == "missing_age":
        return _("Record the person's date of birth or estimated age.")
    if code == "missing_act":
        return _("No act is recorded (recruitment, transport, transfer, harbouring, receipt …).")
    if code == "missing_means":
        return _("No means is recorded; for an adult, a means (force, threat, deception, abuse of vulnerability …) "
                 "is needed.")
    if code == "missing_purpose":
        return _("No purpose of exploitation is recorded.")
    if code == "facts_missing":
        return _("Write the facts that support %(element)s.") % {
            "element": LEGAL_ELEMENT_LABELS.get(p.get("element"), p.get("element"))}
    if code == "element_shortfall":
        unanswered = p.get("unanswered") or 0
        text = _("%(element)s: not shown yet; still needed: %(needed)s.") % {
            "element": _element(p.get("element")), "needed": _needed(p.get("needed"))}
        if unanswered:
            text += " " + ngettext("%(n)s indicator of this element is not answered.",
                                   "%(n)s indicators of this element are not answered.", unanswered) % {"n": unanswered}
        return text
    if code == "profile_missing_recruitment":
        return _("No recruitment element (deceptive, coercive, or by abuse of vulnerability) is shown yet.")
    if code == "profile_missing_destination":
        return _("No element at destination (exploitative conditions, coercion, or abuse of vulnerability) is "
                 "shown yet.")
    if code == "means_from_indicators":
        return _("The indicators show %(elements)s, which is a means: record it under the means.") % {
            "elements": ", ".join(_element(c) for c in p.get("elements") or [])}
    if code == "population_conflict":
        return _("The %(requested)s lists were chosen, but the age at the time of the acts calls for the %(used)s "
                 "lists.") % {"requested": POPULATION_LABELS.get(p.get("requested"), p.get("requested")),
                              "used": POPULATION_LABELS.get(p.get("used"), p.get("used"))}
    if code == "indicators_ignored":
        return ngettext("%(n)s answer does not belong to the list used and was not counted.",
                        "%(n)s answers do not belong to the list used and were not counted.",
                        p.get("count") or 0) % {"n": p.get("count") or 0}
    return str(code)


def explain(result):
    """The result's reasons, gaps and conflicts as sentences, plus labels for the page."""
    result = result or {}
    return {
        "next_step": result.get("next_step"),
        "next_step_label": NEXT_STEP_LABELS.get(result.get("next_step"), ""),
        "indicated": bool(result.get("indicated")),
        "reasons": [sentence(r) for r in result.get("reasons") or []],
        "missing": [sentence(m) for m in result.get("missing") or []],
        "conflicts": [sentence(c) for c in result.get("conflicts") or []],
    }
