"""Named lists of checks that one app runs and other apps provide, without either importing the other
(the import graph only points down, and apps of one layer must not form a cycle).

An app that runs checks at some point calls `run(name, **facts)`; an app that has a check registers it
from its `AppConfig.ready()` with `register(name, check)`. A check raises
`django.core.exceptions.ValidationError` to refuse, or returns a short label of what it checked (no
personal data) or None. Used for "proceedings.appearance": the safety assessment before each appearance
of the victim in court (nicat.proceedings.checks, nicat.safety.apps).
"""
_checks: dict[str, list] = {}


def register(name, check):
    checks = _checks.setdefault(name, [])
    if check not in checks:
        checks.append(check)
    return check


def unregister(name, check):
    checks = _checks.get(name, [])
    if check in checks:
        checks.remove(check)


def run(name, **facts):
    """Every check registered under `name`, in order; the labels of those that passed. The first refusal raises."""
    passed = []
    for check in list(_checks.get(name, [])):
        label = check(**facts)
        if label:
            passed.append(str(label)[:200])
    return passed
