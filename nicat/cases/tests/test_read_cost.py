"""The audited case read is cheap: a bounded number of queries, memberships and sections computed
once per request, the token's last use written at most once a minute — and exactly as strict and
as audited as before (see docs/performance.md)."""
import copy
import datetime
import pickle

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from nicat.accounts.models import ApiToken
from nicat.audit.models import AuditEvent
from nicat.audit.verify import verify_chain
from nicat.cases import selectors, services
from nicat.cases.models import Case
from nicat.vocab.models import Term
from tests.support.world import term, verified_login

API_READ_MAX_QUERIES = 6


def rich_case(cast, actor=None):
    """A case with a term in every vocabulary relation, two citizenships, a note and an event."""
    case = cast.open_case(
        actor=actor,
        person={"citizenships": [term("country", "AZ"), term("country", "GE")],
                "languages": [term("language", "az") if Term.objects.filter(vocabulary="language", code="az").exists()
                              else Term.objects.of("language").first()],
                "phone": "+994 50 000 00 02"},
        summary="Promised a job in a hotel.",
        acts=[term("act", "recruitment"), term("act", "transporting")],
        means=[Term.objects.of("means").first()],
        exploitation_forms=[term("exploitation", "forced_labour")],
        recruitment_channels=[Term.objects.of("recruitment_channel").first()],
        risk_factors=[Term.objects.of("risk_group").first()],
        countries_of_origin=[term("country", "AZ")],
        countries_of_recruitment=[term("country", "AZ")],
        countries_of_exploitation=[term("country", "TR"), term("country", "AE")],
    )
    services.add_note(actor=actor or cast.worker, case=case, text="First interview done.")
    services.add_event(actor=actor or cast.worker, case=case, data={"kind": "Exploitation", "place": "Antalya"})
    return case


def codes(manager):
    return [t.code for t in manager.all()]


@pytest.fixture
def case(cast):
    return rich_case(cast)


def test_api_case_read_costs_at_most_six_queries_and_shows_everything(api, cast, case,
                                                                       django_assert_max_num_queries):
    client = api(cast.worker)
    url = f"/api/v1/cases/{case.uuid}/"
    before = AuditEvent.objects.filter(action="case.view").count()
    # The first read also writes the token's last use: still within the bound.
    with django_assert_max_num_queries(API_READ_MAX_QUERIES):
        first = client.get(url)
    with django_assert_max_num_queries(API_READ_MAX_QUERIES - 1):
        body = client.get(url).json()
    assert first.status_code == 200 and first.json() == body
    stored = Case.objects.system().get(pk=case.pk)
    for name in selectors.CASE_TERMS:
        assert body[name] == codes(getattr(stored, name)), name
    assert sorted(body["countries_of_exploitation"]) == ["AE", "TR"]
    assert body["person"]["citizenships"] == codes(stored.person.citizenships) and len(body["person"]["citizenships"]) == 2
    assert body["person"]["languages"] == codes(stored.person.languages) != []
    assert body["summary"] == "Promised a job in a hotel." and body["person"]["phone"] == "+994 50 000 00 02"
    # Each read is in the chain, as before.
    reads = AuditEvent.objects.filter(action="case.view").order_by("sequence")
    assert reads.count() == before + 2
    assert all(e.case_uuid == str(case.uuid) and e.details == {"channel": "api"} for e in reads[before:])
    assert verify_chain().ok


def test_api_read_asks_for_memberships_once_and_never_rechecks_visibility(api, cast, case):
    client = api(cast.worker)
    url = f"/api/v1/cases/{case.uuid}/"
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert sum('FROM "accounts_membership"' in s for s in sqls) == 1
    assert sum('FROM "cases_case"' in s for s in sqls) == 1  # the case read itself, no second visibility check
    assert not any(s.lstrip().upper().startswith("UPDATE") for s in sqls)  # no last_used_at write


def test_case_read_of_a_case_without_terms(api, cast):
    case = cast.open_case()
    body = api(cast.worker).get(f"/api/v1/cases/{case.uuid}/").json()
    assert all(body[name] == [] for name in selectors.CASE_TERMS)
    assert body["person"]["citizenships"] == [] and body["person"]["family_name"] == "Məmmədova"


def test_load_terms_gives_what_the_related_managers_give(cast, case):
    other = rich_case(cast)
    loaded = list(Case.objects.system().select_related("person").filter(pk__in=[case.pk, other.pk]))
    with CaptureQueriesContext(connection) as ctx:
        cases = selectors.load_terms(loaded)
        got = {(c.pk, n): codes(getattr(c, n)) for c in cases for n in selectors.CASE_TERMS}
        got.update({(c.person_id, n): codes(getattr(c.person, n)) for c in cases for n in selectors.PERSON_TERMS})
    assert len(ctx.captured_queries) == 1
    for c in Case.objects.system().filter(pk__in=[case.pk, other.pk]):
        for name in selectors.CASE_TERMS:
            assert got[(c.pk, name)] == codes(getattr(c, name))
        for name in selectors.PERSON_TERMS:
            assert got[(c.person_id, name)] == codes(getattr(c.person, name))


def test_a_loaded_relation_still_filters_and_chains_as_the_relation(cast, case):
    """The terms are read once; a query on the relation (a filter, an ordering) is still the relation's
    own — this case's terms only, not every case's — and an added term shows after a fresh read."""
    other = rich_case(cast)
    loaded = selectors.load_terms(list(Case.objects.system().select_related("person").filter(pk__in=[case.pk, other.pk])))
    mine = next(c for c in loaded if c.pk == other.pk)
    with CaptureQueriesContext(connection) as ctx:
        assert sorted(mine.countries_of_exploitation.all().values_list("code", flat=True)) == ["AE", "TR"]
        assert mine.acts.exists() and len(mine.acts.all()) == 2
    assert len(ctx.captured_queries) == 1  # values_list is a new query; the rest answer from what was read
    assert list(mine.countries_of_exploitation.filter(code="TR").values_list("code", flat=True)) == ["TR"]
    assert not mine.countries_of_exploitation.filter(code="AZ").exists()  # AZ is another relation's term
    assert list(mine.person.citizenships.order_by("-code").values_list("code", flat=True)) == ["GE", "AZ"]
    for copy_of in (copy.deepcopy, lambda qs: pickle.loads(pickle.dumps(qs))):  # of a relation not queried yet
        fresh = selectors.load_terms([Case.objects.system().select_related("person").get(pk=other.pk)])[0]
        copied = copy_of(fresh.countries_of_exploitation.all())
        assert sorted(t.code for t in copied) == ["AE", "TR"]
        assert list(copied.filter(code="AE").values_list("code", flat=True)) == ["AE"]
    plain = next(c for c in loaded if c.pk == case.pk)
    assert [t.code for t in plain.countries_of_exploitation.filter(code="TR")] == (
        [t.code for t in Case.objects.system().get(pk=case.pk).countries_of_exploitation.filter(code="TR")])


def test_a_case_the_reader_may_not_see_is_404_and_leaves_no_read_event(api, cast, case):
    before = AuditEvent.objects.filter(action="case.view").count()
    outsider = api(cast.worker2)
    assert outsider.get(f"/api/v1/cases/{case.uuid}/").status_code == 404
    assert outsider.get("/api/v1/cases/not-a-uuid/").status_code == 404
    assert api(cast.analyst).get(f"/api/v1/cases/{case.uuid}/").status_code == 404
    assert AuditEvent.objects.filter(action="case.view").count() == before


def test_a_restriction_order_still_closes_the_api_read(api, cast, case):
    from nicat.access.services import record_restriction_order

    client = api(cast.worker)
    assert client.get(f"/api/v1/cases/{case.uuid}/").status_code == 200
    record_restriction_order(actor=cast.officer, case_reference=case.reference, issued_by="prosecutor",
                             issuing_body="Prosecutor General's Office", decision_reference="PGO-1/2026",
                             decided_on=timezone.localdate(), allowed_roles=[])
    assert client.get(f"/api/v1/cases/{case.uuid}/").status_code == 404


def test_token_last_use_is_written_at_most_once_a_minute(api, cast, case):
    client = api(cast.worker)
    url = f"/api/v1/cases/{case.uuid}/"
    token = ApiToken.objects.get(user=cast.worker)
    assert token.last_used_at is None
    client.get(url)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
        client.get(url)
    assert not any("accounts_apitoken" in q["sql"] and q["sql"].lstrip().upper().startswith("UPDATE")
                   for q in ctx.captured_queries)
    token.refresh_from_db()
    assert token.last_used_at == first
    # A minute later the next request records the use again.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - datetime.timedelta(seconds=61))
    client.get(url)
    token.refresh_from_db()
    assert token.last_used_at > first


def test_the_read_path_costs_four_queries_with_memberships_not_yet_read(cast, case,
                                                                         django_assert_max_num_queries):
    """What page and API share (selectors.case_detail): the memberships, the case with its person,
    all their terms, the audit append — whatever the number of terms."""
    from nicat.accounts.models import User

    reader = User.objects.get(pk=cast.worker.pk)
    with django_assert_max_num_queries(4):
        read = selectors.case_detail(user=reader, case_uuid=case.uuid)
        assert codes(read.countries_of_exploitation) and codes(read.person.citizenships)
        assert read.summary and read.person.phone and read.owner_institution.name
    assert AuditEvent.objects.filter(action="case.view", case_uuid=str(case.uuid)).count() == 1


# The whole case page (docs/performance.md, "The case page after issues 15–17"): the read path above (4),
# the session, the user and their second factor (3), the menu's two badges, the panels — each reads its
# own rows once, and the timeline reuses them (cases.selectors.case_page, nicat.core.casepage) — and the
# session's idle-time save (3 with its savepoint). 49 on 3 December 2026 before the page selector, which
# removed the second reads of the notes, the route, the screenings, the identification (twice), the
# referrals, the stays, the services, the consents, the case's visibility, the work team and the reader's
# membership at the owning institution; the proceedings panel's read event lost its needless savepoint: 35.
# The session's expiry renewed at most once a minute (nicat/accounts/sessions.py), not on every page: 32.
# The menu's two badges (referrals awaiting an answer, unread notifications) counted in one query: 31.
PAGE_MAX_QUERIES = 31


def test_case_page_query_count_is_bounded_and_the_page_is_complete(client, cast, case,
                                                                   django_assert_max_num_queries):
    verified_login(client, cast.worker)
    url = f"/cases/{case.uuid}/"
    client.get(url)
    with django_assert_max_num_queries(PAGE_MAX_QUERIES):
        page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Promised a job in a hotel." in html and "First interview done." in html and "Antalya" in html
    assert AuditEvent.objects.filter(action="case.view", case_uuid=str(case.uuid)).count() == 2


def _page_queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url)
    assert page.status_code == 200
    return len(ctx.captured_queries), page.content.decode()


def test_case_page_queries_do_not_grow_with_the_panels_rows(client, cast):
    """1 task, 1 referral, 1 note … or 5 tasks, 3 referrals, 3 notes …: the same number of queries."""
    from nicat.referrals.services import create_referral
    from nicat.work import services as work
    from tests.support.referrals import consent, referral_data
    from tests.support.world import make_institution

    third = make_institution("ngo-three", "ngo", name_az="Üçüncü QHT", is_nonprofit=True)
    receivers = [cast.ngo2, cast.main_department, third]
    due = timezone.localdate() + datetime.timedelta(days=30)

    def fill(case, n_tasks, n_referrals, n_rows):
        for i in range(n_tasks):
            work.create_task(actor=cast.worker, case=case, data={
                "title": f"Call back {i}", "kind": "follow_up", "due_on": due, "assigned_to": cast.worker})
        for to in receivers[:n_referrals]:
            consent(cast.worker, case, institution=to)
            create_referral(actor=cast.worker, case=case, data=referral_data(to))
        for i in range(n_rows):
            services.add_note(actor=cast.worker, case=case, text=f"Interview {i}.")
            services.add_event(actor=cast.worker, case=case, data={"kind": "Recruitment", "place": f"Town {i}"})

    few, many = rich_case(cast), rich_case(cast)
    fill(few, 1, 1, 1)
    fill(many, 5, 3, 3)
    verified_login(client, cast.worker)
    n_few, html_few = _page_queries(client, f"/cases/{few.uuid}/")
    n_many, html_many = _page_queries(client, f"/cases/{many.uuid}/")
    assert "Call back 0" in html_few and "Call back 4" in html_many and "Interview 2." in html_many
    assert html_many.count("Üçüncü QHT") >= 1 and "Town 2" in html_many
    assert n_many == n_few <= PAGE_MAX_QUERIES


def test_the_case_page_reads_each_panels_rows_once(client, cast, case):
    """What a panel and the timeline both show is read once (the notes, the route, the screenings, the
    identification, the referrals, the consents, the stays, the services), and so are the memberships and
    the case itself."""
    verified_login(client, cast.worker)
    url = f"/cases/{case.uuid}/"
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    sqls = [q["sql"] for q in ctx.captured_queries]
    for table in ("cases_casenote", "cases_traffickingevent", "identification_screening",
                  "identification_identification", "consent_consent", "assistance_stay",
                  "assistance_servicedelivery", "work_caseteam", "accounts_membership"):
        assert sum(s.lstrip().startswith(f'SELECT "{table}".') for s in sqls) == 1, table
    assert sum(s.lstrip().startswith(f'SELECT "{table}".') for s in sqls
               for table in ("cases_case", "referrals_referral")) == 2
    assert not any(s.lstrip().startswith('SELECT %s AS "a" FROM "cases_case"') for s in sqls)  # no re-check
    assert sum('FROM "accounts_membership"' in s for s in sqls) == 1


def test_the_terms_of_a_read_join_the_term_table_once(api, cast, case):
    """Joined once per relation, the ten relations' terms made PostgreSQL read the whole term table ten times —
    most of the database's time for a case read (docs/performance.md, "The database's share of a read")."""
    client = api(cast.worker)
    url = f"/api/v1/cases/{case.uuid}/"
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        body = client.get(url).json()
    terms = [q["sql"] for q in ctx.captured_queries if "cases_case_acts" in q["sql"]]
    assert len(terms) == 1 and terms[0].count('"vocab_term"') == 1
    assert sorted(body["countries_of_exploitation"]) == ["AE", "TR"] and len(body["acts"]) == 2


def test_the_api_case_list_costs_the_same_for_three_cases_as_for_one(api, cast):
    """A page of the case list reads its cases, their persons with gender and registering institution, and
    their terms in a fixed number of queries: before, each case shown asked the database three more times
    (its person's gender, the registering institution, and whether the reader may see the case it had just
    listed) — 150 queries on a page of 50."""
    client = api(cast.worker)
    gender = Term.objects.of("gender").first()
    rich_case(cast)
    client.get("/api/v1/cases/")  # the token's use recorded once a minute: not in what is counted

    def listing():
        with CaptureQueriesContext(connection) as queries:
            answer = client.get("/api/v1/cases/")
        assert answer.status_code == 200
        return answer.json()["results"], len(queries)

    one, one_queries = listing()
    for _ in range(2):
        cast.open_case(person={"gender": gender, "given_name": "Ləman"})
    three, three_queries = listing()
    assert len(one) == 1 and len(three) == 3
    assert three_queries == one_queries, f"{one_queries} queries for one case, {three_queries} for three"
    shown = [row for row in three if row["person"]["gender"] == gender.code]
    assert len(shown) == 2 and all(row["person"]["registered_by"] for row in three)


def test_a_term_is_built_once_per_process_and_an_edited_label_shows_at_the_next_read(api, client, cast, case):
    """The terms of a read are kept by their whole row (nineteen per API read of the demo world were built on
    every read): the second API read of the same case builds none of its terms, and an administrator's edit of
    a label is a new row, shown on the case's page at the very next read — never the old label."""
    from django.db.models.signals import post_init

    from nicat.vocab.services import save_term

    reader, url = api(cast.worker), f"/api/v1/cases/{case.uuid}/"
    first = reader.get(url).json()
    built = []

    def note(sender, instance, **kwargs):
        built.append(instance)

    post_init.connect(note, sender=Term)
    try:
        assert reader.get(url).json() == first
    finally:
        post_init.disconnect(note, sender=Term)
    assert len(first["acts"]) == 2 and len(first["person"]["citizenships"]) == 2
    own = {t.pk for name in selectors.CASE_TERMS for t in getattr(case, name).all()}
    own |= {t.pk for name in selectors.PERSON_TERMS for t in getattr(case.person, name).all()}
    assert len(own) >= 10 and own.isdisjoint(t.pk for t in built)  # (the reader's institution's kind is read anew)

    verified_login(client, cast.worker)
    page_url = f"/cases/{case.uuid}/"
    forced = term("exploitation", "forced_labour")
    assert forced.label_en in client.get(page_url).content.decode()  # the tests' pages are in English
    old = forced.label_en
    forced.label_en = "Forced labour, as the administrator renamed it"
    save_term(actor=cast.admin, term=forced)
    page = client.get(page_url).content.decode()
    assert "Forced labour, as the administrator renamed it" in page and old not in page


def test_the_case_page_compiles_the_access_rule_once_not_in_every_panels_query(client, cast, case):
    """Some twenty queries of the case page (its panels and timeline) hold the access rule over cases as a subquery.
    The rule is composed and compiled to SQL once per page and put into each of them as that SQL (access.policy.
    `_compiled`): Django compiled it again inside every one of them, 35 % of the page's CPU (docs/performance.md,
    "The access rule compiled once per page"). The page still shows what it showed."""
    from unittest import mock

    from django.db.models.sql.compiler import SQLCompiler

    verified_login(client, cast.worker)
    url = f"/cases/{case.uuid}/"
    client.get(url)  # the hot reads are prepared once per connection
    compiled = []
    as_sql = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        compiled.append(self.query.model)
        return as_sql(self, *args, **kwargs)

    with mock.patch.object(SQLCompiler, "as_sql", counting):
        page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Promised a job in a hotel." in html and "First interview done." in html and "Antalya" in html
    assert compiled.count(Case) <= 2, f"the rule over cases compiled {compiled.count(Case)} times for one page"
