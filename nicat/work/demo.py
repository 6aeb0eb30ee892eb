"""Demo data of the daily work: the case workers of the demo world take some of their institution's open
cases and have a few tasks — one due today, one this week, one overdue — so that "My work" is not empty
on the first run. Called by nicat.web.demo.build_world through EXTRAS (idempotent: cases that have a team are
left alone)."""
import datetime

from nicat.core.calendar import baku_today

TASKS = (("Call back to agree the date of the next meeting", 0, "task"),
         ("Follow-up visit after the first week", 4, "follow_up"),
         ("Send the documents to the lawyer", -2, "task"))


def seed_daily_work(users, per_worker=2):
    from nicat.cases.models import CLOSED_STATUSES, Case
    from nicat.work import services
    from nicat.work.models import CaseTeam

    today = baku_today()
    for username in ("ngo.worker", "ngo2.worker", "centre.worker"):
        worker = users.get(username)
        if worker is None:
            continue
        cases = [c for c in Case.objects.visible_to(worker).exclude(status__in=CLOSED_STATUSES)
                 .filter(owner_institution__memberships__user=worker).distinct().order_by("-first_contact_at")[:20]
                 if not CaseTeam.objects.of(c).exists()][:per_worker]
        for index, case in enumerate(cases):
            services.assign_case(actor=worker, case=case, worker=worker, version=0)
            title, days, kind = TASKS[index % len(TASKS)]
            services.create_task(actor=worker, case=case, data={
                "title": title, "kind": kind, "due_on": today + datetime.timedelta(days=days), "assigned_to": worker})
            if index == 0:
                title, days, kind = TASKS[2]
                services.create_task(actor=worker, case=case, data={
                    "title": title, "kind": kind, "due_on": today + datetime.timedelta(days=days)})


def daily_work(world):
    """The EXTRAS entry of nicat.web.demo: `world` holds the demo users by username."""
    seed_daily_work(world["users"])
