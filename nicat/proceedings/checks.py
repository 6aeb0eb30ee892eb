"""The checks every planned appearance of the victim in court passes first (issue 17: "the safety
assessment before each court appearance").

This app does not know which checks exist: an app that has one registers it at start-up, from its
`AppConfig.ready()` — the safety app registers its risk assessment like this:

    from nicat.proceedings.checks import register_appearance_check

    def safety_assessment_done(*, actor, case, hearing, mode):
        assessment = current_assessment(case)
        if assessment is None or assessment.review_due:
            raise ValidationError({"hearing": _("Assess the victim's safety before the appearance.")})
        return f"safety-assessment:{assessment.uuid}"

    register_appearance_check(safety_assessment_done)

A check is called with keyword arguments — `actor` (the user planning the appearance), `case` (the
victim's case), `hearing` (the `Hearing`), `mode` (an `AppearanceMode` value) — inside the transaction
that records the appearance. To refuse, it raises `django.core.exceptions.ValidationError` with a
sentence the case worker understands (a field error on "hearing", "mode" or none); nothing is then
recorded. To let the appearance go ahead it returns a short label of what it checked (no personal
data: an id, a level), kept on the appearance (`safety_checked`) and in its audit event, or None.
"""
_appearance_checks = []


def register_appearance_check(check):
    """Add `check(*, actor, case, hearing, mode) -> str | None` (raises ValidationError to refuse)."""
    if check not in _appearance_checks:
        _appearance_checks.append(check)
    return check


def unregister_appearance_check(check):
    """Remove a check (tests)."""
    if check in _appearance_checks:
        _appearance_checks.remove(check)


def run_appearance_checks(*, actor, case, hearing, mode):
    """Every registered check, in order; the labels of those that passed. The first refusal raises."""
    passed = []
    for check in list(_appearance_checks):
        label = check(actor=actor, case=case, hearing=hearing, mode=mode)
        if label:
            passed.append(str(label)[:200])
    return passed
