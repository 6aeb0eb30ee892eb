"""The checks every planned appearance of the victim in court passes first (issue 17: "the safety
assessment before each court appearance").

This app does not know which checks exist: an app that has one registers it at start-up, from its
`AppConfig.ready()` — the safety app registers its risk assessment like this:

    from nicat.core import checks

    def safety_assessment_done(*, actor, case, hearing, mode):
        assessment = current_assessment(case)
        if assessment is None or assessment.review_due:
            raise ValidationError({"hearing": _("Assess the victim's safety before the appearance.")})
        return f"safety-assessment:{assessment.uuid}"

    checks.register("proceedings.appearance", safety_assessment_done)

A check is called with keyword arguments — `actor` (the user planning the appearance), `case` (the
victim's case), `hearing` (the `Hearing`), `mode` (an `AppearanceMode` value) — inside the transaction
that records the appearance. To refuse, it raises `django.core.exceptions.ValidationError` with a
sentence the case worker understands (a field error on "hearing", "mode" or none); nothing is then
recorded. To let the appearance go ahead it returns a short label of what it checked (no personal
data: an id, a level), kept on the appearance (`safety_checked`) and in its audit event, or None.
"""
from nicat.core import checks

APPEARANCE = "proceedings.appearance"


def register_appearance_check(check):
    """Add `check(*, actor, case, hearing, mode) -> str | None` (raises ValidationError to refuse)."""
    return checks.register(APPEARANCE, check)


def unregister_appearance_check(check):
    """Remove a check (tests)."""
    checks.unregister(APPEARANCE, check)


def run_appearance_checks(*, actor, case, hearing, mode):
    """Every registered check, in order; the labels of those that passed. The first refusal raises."""
    return checks.run(APPEARANCE, actor=actor, case=case, hearing=hearing, mode=mode)
