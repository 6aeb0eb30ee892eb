"""Registries of what runs without a person: periodic jobs and the overdue-deadline counters.

Any app adds a periodic job with one line in its `AppConfig.ready()`:

    from nicat.core.jobs import register_periodic
    register_periodic("hotline.escalate", "nicat.hotline.services.escalate_overdue", every=300)

`nicat worker` (nicat/ops) runs each registered job once per period across every worker of every
machine (a unique row per job and period is the ticket); in development the jobs run in the server
process. A job is a callable taking no arguments (or its dotted path, imported when it runs); it
returns a short summary (a count, a dict) that is kept with the run — never identifying data.

Overdue deadlines by kind, for the monitoring (`/metrics`):

    from nicat.core.jobs import register_overdue
    register_overdue("referral", "nicat.referrals.selectors.overdue_count")
"""
from dataclasses import dataclass
from importlib import import_module


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    target: object  # a callable or its dotted path
    every: int  # seconds between runs (one run per period)
    description: str = ""

    def resolve(self):
        return _resolve(self.target)


_periodic: dict[str, PeriodicJob] = {}
_overdue: dict[str, object] = {}


def _resolve(target):
    if callable(target):
        return target
    module, _, attr = str(target).rpartition(".")
    return getattr(import_module(module), attr)


def register_periodic(name, target, *, every, description=""):
    """Register (or replace: apps are made ready once, tests may re-register) a periodic job."""
    every = int(every)
    if every < 1:
        raise ValueError(f"The period of {name} must be at least one second.")
    _periodic[name] = PeriodicJob(name=name, target=target, every=every, description=description)
    return _periodic[name]


def unregister_periodic(name):
    _periodic.pop(name, None)


def periodic_jobs():
    """{name: PeriodicJob} of every registered job."""
    return dict(_periodic)


def register_overdue(kind, counter):
    """`counter()` returns how many deadlines of this kind are overdue now (a number)."""
    _overdue[kind] = counter


def overdue_counters():
    return {kind: _resolve(counter) for kind, counter in _overdue.items()}
