"""Queries composed once and run many times (nicat.core.prepared) give what the ORM gives, see the
database as it is at each run, and refuse to freeze anything the build read."""
import datetime

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from nicat.access import policy
from nicat.accounts.models import Membership, User
from nicat.cases import selectors
from nicat.cases.models import Case
from nicat.core import prepared

UUID = prepared.Slot(Case._meta.get_field("uuid"))


def fresh(user):
    """The user as a new request loads it (no memberships or policy memo yet)."""
    return User.objects.get(pk=user.pk)


def kept():
    """The queries compiled on this thread's connection."""
    return connections["default"].__dict__["_nicat_prepared"]


def concrete(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


@pytest.fixture(autouse=True)
def _clean_cache():
    prepared.clear()
    yield
    prepared.clear()


def test_the_visible_case_is_what_the_orm_gives_with_its_related_rows(cast):
    case = cast.open_case(summary="Promised a job.", person={"phone": "+994 50 000 00 01"})
    expected = Case.objects.visible_to(cast.worker).select_related(*selectors.DETAIL_RELATED).get(uuid=case.uuid)
    for _ in range(2):  # built, then reused
        got = selectors.visible_case(fresh(cast.worker), case.uuid)
        assert concrete(got) == concrete(expected)
        assert concrete(got.person) == concrete(expected.person) and got.person.phone == "+994 50 000 00 01"
        assert got.summary == "Promised a job." and got.owner_institution.name == expected.owner_institution.name
        assert Case.person.is_cached(got) and Case.owner_institution.is_cached(got)


def test_the_compiled_query_is_reused_and_still_applies_the_rule(cast):
    mine, other = cast.open_case(), cast.open_case(actor=cast.worker2)
    assert selectors.visible_case(fresh(cast.worker), mine.uuid) == mine
    reader = fresh(cast.worker)
    with CaptureQueriesContext(connection) as ctx:
        policy.memberships(reader)
        assert selectors.visible_case(reader, other.uuid) is None  # the other NGO's case: not visible
        assert selectors.visible_case(reader, mine.uuid) == mine
    assert len(ctx.captured_queries) == 3  # the memberships, then one query per read
    assert [key[0][0] for key in kept()].count("cases.visible_case") == 1  # one compiled query for both


def test_a_changed_membership_is_a_new_rule(cast):
    case = cast.open_case(actor=cast.worker2)
    assert selectors.visible_case(fresh(cast.worker), case.uuid) is None
    Membership.objects.create(user=cast.worker, institution=case.owner_institution, role="case_worker")
    assert selectors.visible_case(fresh(cast.worker), case.uuid) == case


def test_the_present_moment_is_taken_at_each_run_not_at_the_build(cast):
    def opened_before_now(uuid):
        return Case.objects.system().filter(uuid=uuid, created_at__lte=timezone.now())

    first = cast.open_case()
    assert prepared.fetch("test.before_now", opened_before_now, slots={"uuid": UUID}, values={"uuid": first.uuid},
                          now=True) == [first]
    later = cast.open_case()  # created after the build: only a fresh "now" finds it
    assert prepared.fetch("test.before_now", opened_before_now, slots={"uuid": UUID}, values={"uuid": later.uuid},
                          now=True) == [later]
    entry = kept()[("test.before_now", ("uuid",))]
    assert entry is not prepared._REFUSED and entry.now_positions


def test_a_build_that_reads_the_database_is_not_kept(cast):
    first, second = cast.open_case(), cast.open_case()

    def newest_case(uuid):
        newest = Case.objects.system().order_by("-pk").values_list("pk", flat=True)[0]  # read at build time
        return Case.objects.system().filter(uuid=uuid, pk__lte=newest)

    assert prepared.fetch("test.reads", newest_case, slots={"uuid": UUID}, values={"uuid": first.uuid}) == [first]
    third = cast.open_case()
    # Had the first build been kept, `newest` would be frozen at the second case and the third not found.
    assert prepared.fetch("test.reads", newest_case, slots={"uuid": UUID}, values={"uuid": third.uuid}) == [third]
    assert kept()[("test.reads", ("uuid",))] is prepared._REFUSED
    assert second.pk < third.pk


def test_a_time_other_than_now_is_not_frozen(cast):
    case = cast.open_case()

    def opened_in_the_last_day(uuid):
        return Case.objects.system().filter(uuid=uuid, created_at__gte=timezone.now() - datetime.timedelta(days=1))

    assert prepared.fetch("test.day", opened_in_the_last_day, slots={"uuid": UUID}, values={"uuid": case.uuid},
                          now=True) == [case]
    assert kept()[("test.day", ("uuid",))] is prepared._REFUSED


def test_a_user_with_no_case_role_gets_nothing_without_a_query(cast):
    case = cast.open_case()
    analyst = fresh(cast.analyst)
    policy.memberships(analyst)
    selectors.visible_case(analyst, case.uuid)
    with CaptureQueriesContext(connection) as ctx:
        assert selectors.visible_case(analyst, case.uuid) is None
    assert not ctx.captured_queries


def _statements_prepared():
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


def _read_twice(cast, case, other):
    for uuid in (case.uuid, other.uuid, case.uuid):  # different values through the same statements
        got = selectors.case_detail(user=fresh(cast.worker), case_uuid=uuid)
        assert got.uuid == uuid
    return got


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares statements")
def test_postgresql_plans_the_hot_reads_and_the_audit_append_once_per_connection(cast):
    case = cast.open_case(summary="Promised a job.", person={"phone": "+994 50 000 00 01"})
    other = cast.open_case(summary="Another case.")
    before = _statements_prepared()
    with CaptureQueriesContext(connection) as ctx:
        got = _read_twice(cast, case, other)
    assert got.summary == "Promised a job." and got.person.phone == "+994 50 000 00 01"
    new = _statements_prepared() - before
    # The case read with its rule, its terms and the audit append are each kept by the server, once.
    assert any('FROM "cases_case"' in s for s in new)
    assert any("UNION ALL" in s for s in new)
    assert any("nicat_audit_append" in s for s in _statements_prepared())  # prepared at the cases' opening
    # The values travel apart from the statement: no case's uuid or text is in what the server keeps.
    assert not any(str(case.uuid) in s or case.uuid.hex in s or "Promised" in s for s in _statements_prepared())
    # Django's query log still counts them (the query-count tests stay honest).
    assert sum("nicat_audit_append" in q["sql"] for q in ctx.captured_queries) == 3
    # Django's other statements are not prepared: a search keeps a plan made for its values.
    kept_now = _statements_prepared()
    for _ in range(6):  # beyond psycopg's own threshold (5), had Django's statements been preparable
        list(Case.objects.system().filter(reference__startswith="CASE-").values_list("pk", flat=True))
    assert _statements_prepared() == kept_now


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares statements")
def test_with_prepare_off_postgresql_prepares_nothing(cast, settings):
    settings.NICAT_DB_PREPARE = False
    case, other = cast.open_case(summary="Promised a job."), cast.open_case()
    before = _statements_prepared()
    assert _read_twice(cast, case, other).summary == "Promised a job."
    assert _statements_prepared() == before
