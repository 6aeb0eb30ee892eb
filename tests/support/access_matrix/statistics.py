"""Access matrix entries of the statistics page (format: tests/support/matrix.py): analysts
(aggregates, small cells withheld) and supervisors (exact counts within their scope)."""
import base64

from tests.support.matrix import api, page

AUDIENCE = {"analyst", "supervisor"}

MATRIX = {
    "statistics:cases": page(AUDIENCE, query={"by": "year", "then": "gender"}),
    "statistics:annual_report": page(AUDIENCE),
    "statistics:calls": page(AUDIENCE, query={"by": "reason", "then": "channel"}),
    "statistics:report_schedules": page(AUDIENCE),
    # A standing order and its reports are their owner's alone: anybody else finds nothing (404).
    "statistics:end_report_schedule": page(AUDIENCE, methods=("post",), kwargs={"uuid": "report_schedule"},
                                           denied=404, expect=(302,)),
    "statistics:scheduled_report": page(AUDIENCE, kwargs={"uuid": "scheduled_report"}, denied=404, expect=(200,)),
    "statistics-cases-list": api(AUDIENCE, query={"by": "year,gender"}),
    "statistics-proceedings-list": api(AUDIENCE, query={"by": "year,exploitation"}),
}


def _schedule(world, role, own):
    """Own: a standing order of the role's user (only the statistics audience can have one); foreign:
    one of another institution's supervisor."""
    from nicat.statistics.models import ReportSchedule
    from nicat.statistics.services import schedule_report

    if not own:
        return ReportSchedule.objects.create(user=world.foreign_supervisor, frequency="monthly", edition="public",
                                             language="en", format="pdf")
    if role not in AUDIENCE:
        return None
    return schedule_report(actor=world.user(role), frequency="monthly", edition="public", language="en", fmt="pdf")


def report_schedule(world, role, own):
    schedule = _schedule(world, role, own)
    return schedule.uuid if schedule else None


def scheduled_report(world, role, own):
    from nicat.statistics.models import ScheduledReport

    schedule = _schedule(world, role, own)
    if schedule is None:
        return None
    content = b"%PDF-1.4 matrix"
    return ScheduledReport.objects.create(schedule=schedule, period="2026-11", year=2026, size=len(content),
                                          content=base64.b64encode(content).decode()).uuid


OBJECTS = {"report_schedule": report_schedule, "scheduled_report": scheduled_report}
