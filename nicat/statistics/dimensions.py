"""The dimensions Nicat's own cases are counted by: one place for their codes, labels and the path
to each value. A multi-valued dimension (a case with two forms of exploitation counts in both) is
marked so, because its rows do not add up to the number of cases."""
import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Case, F, IntegerField, Max, Min, Value, When
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _

from nicat.cases.models import CameToNotice, CaseStatus, Scope, TraffickingStatus

BAKU = ZoneInfo("Asia/Baku")
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Dimension:
    code: str
    label: str
    path: str = ""  # ORM path of the value (a vocabulary code, a choice, a pk)
    vocabulary: str = ""  # labels from this vocabulary
    choices: object = None  # labels from this choices class
    institution: bool = False  # the value is an institution (labelled by its name)
    multi: bool = False
    year_of: str = ""  # a year extracted from this date/datetime field (Baku calendar)
    section: str = ""  # the section of the case that holds the value (nicat.access.sections), if any

    def expression(self, queryset=None):
        """The value to group by. A year, given the queryset it is counted over, is found by comparing the
        stored value with the first instant of each year on the Baku calendar (`_year_by_ranges`) rather
        than by converting every row's time to Baku time: the same years, with plain comparisons the
        database does natively (on SQLite the conversion ran in Python, once per row)."""
        if self.year_of:
            if queryset is not None:
                return _year_by_ranges(queryset, self.year_of)
            field = self.year_of
            return ExtractYear(field, tzinfo=BAKU) if field.endswith("_at") else ExtractYear(field)
        return F(self.path)


def _year_start(year, moment):
    return datetime.datetime(year, 1, 1, tzinfo=BAKU) if moment else datetime.date(year, 1, 1)


def _year_by_ranges(queryset, field):
    """CASE WHEN field < <1 Jan of y+1, Baku> THEN y … over the years the rows span (read first from the
    field's extremes: one indexed look-up each); NULL stays NULL."""
    moment = queryset.model._meta.get_field(field).get_internal_type() == "DateTimeField"
    bounds = queryset.order_by().aggregate(low=Min(field), high=Max(field))
    if bounds["low"] is None:
        return Value(None, output_field=IntegerField())
    year = (lambda v: v.astimezone(BAKU).year) if moment else (lambda v: v.year)
    low, high = year(bounds["low"]), year(bounds["high"])
    whens = [When(**{f"{field}__lt": _year_start(y + 1, moment)}, then=Value(y)) for y in range(low, high)]
    whens.append(When(**{f"{field}__isnull": False}, then=Value(high)))
    return Case(*whens, default=Value(None), output_field=IntegerField())


DIMENSIONS = {d.code: d for d in [
    Dimension("year", _("year of first contact"), year_of="first_contact_at"),
    Dimension("recognition_year", _("year of recognition"), year_of="status_decided_on"),
    Dimension("trafficking_status", _("trafficking status"), path="trafficking_status",
              choices=TraffickingStatus),
    # The person's gender and citizenship are her identity (nicat.access.sections): a supervisor's exact figures
    # by them count only the cases whose identity the supervisor may see (selectors.case_table).
    Dimension("gender", _("gender"), path="person__gender__code", vocabulary="gender", section="identity"),
    Dimension("citizenship", _("citizenship"), path="person__citizenships__code", vocabulary="country", multi=True,
              section="identity"),
    Dimension("exploitation", _("form of exploitation"), path="exploitation_forms__code", vocabulary="exploitation",
              multi=True),
    Dimension("country_of_exploitation", _("country of exploitation"), path="countries_of_exploitation__code",
              vocabulary="country", multi=True),
    Dimension("risk_group", _("risk group"), path="risk_factors__code", vocabulary="risk_group", multi=True),
    Dimension("recruitment_channel", _("recruitment channel"), path="recruitment_channels__code",
              vocabulary="recruitment_channel", multi=True),
    Dimension("identified_by", _("institution that identified"), path="status_decided_by_id",
              institution=True),
    Dimension("came_to_notice", _("how the person came to notice"), path="came_to_notice",
              choices=CameToNotice),
    Dimension("scope", _("internal or transnational"), path="scope", choices=Scope),
    Dimension("status", _("case status"), path="status", choices=CaseStatus),
]}


# --- The hotline's contacts (issue 16): counted by these, with the same small-cell suppression ------

def _call_dimensions():
    from nicat.hotline.models import CallerType, Channel, Outcome, Reason

    return {d.code: d for d in [
        Dimension("year", _("year"), year_of="started_at"),
        Dimension("reason", _("reason"), path="reason", choices=Reason),
        Dimension("channel", _("channel"), path="channel", choices=Channel),
        Dimension("caller_type", _("who contacted"), path="caller_type", choices=CallerType),
        Dimension("region", _("region"), path="region__code", vocabulary="region"),
        Dimension("language", _("language"), path="language__code", vocabulary="language"),
        Dimension("outcome", _("outcome"), path="outcome", choices=Outcome),
    ]}


CALL_DIMENSIONS = _call_dimensions()
