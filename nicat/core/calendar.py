"""The Baku calendar: what day it is for the law, whatever the server's own clock or zone says.

Statutory periods, ages and deadlines are counted in days of the Republic of Azerbaijan (Asia/Baku,
UTC+4, no daylight saving time). Never use `datetime.date.today()` (the server's zone) nor
`timezone.localdate()` (the *active* zone, which a request may change) for a legal date.
"""
import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

BAKU = ZoneInfo("Asia/Baku")


def baku_date(moment):
    """The Baku calendar date of an aware datetime (a naive one is taken as UTC); a date is returned as is."""
    if moment is None:
        return None
    if isinstance(moment, datetime.datetime):
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=datetime.timezone.utc)
        return moment.astimezone(BAKU).date()
    return moment


def baku_day_start(day):
    """The instant a Baku calendar day begins (its midnight in Asia/Baku): the one bound of a period of days,
    so that a period from day A to day B is [baku_day_start(A), baku_day_start(B + 1 day))."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=BAKU)


def baku_today(now=None):
    """Today on the Baku calendar (`now`: an aware datetime, default the current moment)."""
    return baku_date(now or timezone.now())


def years_between(start, end):
    """Whole calendar years from `start` to `end` (negative when `end` is earlier): the age arithmetic."""
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))
