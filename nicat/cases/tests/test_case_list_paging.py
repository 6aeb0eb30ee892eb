"""Paging through the case list forward and back (issue 18): "Next" and "Previous" continue from the
last or first case shown (keyset paging), so a deep page costs what the first costs, cases with the
same first contact are neither skipped nor repeated, and a case registered between two pages does not
push a case onto the next page a second time."""
import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from nicat.cases import views
from nicat.cases.models import Case
from nicat.core.drf import KeysetPagination
from tests.support.world import PASSWORD

SIZE = 3


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(views, "CASE_LIST_PAGE", SIZE)
    monkeypatch.setattr(KeysetPagination, "page_size", SIZE)


@pytest.fixture
def worker_client(client, cast):
    client.login(username="worker", password=PASSWORD)
    return client


@pytest.fixture
def registry(cast):
    """Eight cases of the worker's institution, three sharing one first contact and two another, and a
    case of another institution between them in time (never shown to this worker)."""
    base = timezone.now() - datetime.timedelta(days=10)
    mine = [cast.open_case(first_contact_at=base + datetime.timedelta(hours=h)) for h in (0, 1, 1, 1, 2, 3, 3, 4)]
    theirs = cast.open_case(actor=cast.worker2, first_contact_at=base + datetime.timedelta(hours=1))
    order = sorted(mine, key=lambda c: (c.first_contact_at, c.pk), reverse=True)
    return [c.reference for c in order], theirs.reference, base


def shown(response):
    assert response.status_code == 200
    return re.findall(r'class="case-ref"[^>]*>([^<]+)<', response.content.decode())


def link(response, rel):
    found = re.search(rf'rel="{rel}" href="([^"]+)"', response.content.decode())
    return html.unescape(found.group(1)) if found else None


def test_the_case_list_pages_forward_and_back_through_ties_without_skipping_or_repeating(
        worker_client, registry, small_pages):
    expected, theirs, _base = registry
    url = reverse("cases:list")
    response = worker_client.get(url)
    pages = [shown(response)]
    assert pages[0] == expected[:SIZE] and link(response, "prev") is None
    assert "8 cases" in response.content.decode()
    while link(response, "next"):
        response = worker_client.get(url + link(response, "next"))
        pages.append(shown(response))
    assert [ref for page in pages for ref in page] == expected  # every case once, in order, across the ties
    assert theirs not in sum(pages, [])
    back = [shown(response)]
    while link(response, "prev"):
        response = worker_client.get(url + link(response, "prev"))
        back.append(shown(response))
    assert back[::-1] == pages  # previous retraces the same pages
    last = worker_client.get(url, {"last": 1})
    assert shown(last) == expected[-SIZE:] and link(last, "next") is None
    assert shown(worker_client.get(url + link(last, "prev"))) == expected[-2 * SIZE:-SIZE]


def test_a_case_registered_between_two_pages_neither_repeats_nor_hides_one(worker_client, cast, registry, small_pages):
    expected, _theirs, base = registry
    url = reverse("cases:list")
    first = worker_client.get(url)
    assert shown(first) == expected[:SIZE]
    newest = cast.open_case(first_contact_at=timezone.now())           # before the page read: not on the next
    tied = cast.open_case(first_contact_at=base + datetime.timedelta(hours=1))  # among the ties still to come
    response, rest = first, []
    while link(response, "next"):
        response = worker_client.get(url + link(response, "next"))
        rest += shown(response)
    now = sorted(Case.objects.visible_to(cast.worker), key=lambda c: (c.first_contact_at, c.pk), reverse=True)
    after_first = [c.reference for c in now if c.reference not in expected[:SIZE] and c != newest]
    assert rest == after_first and tied.reference in rest and len(set(rest)) == len(rest)
    assert newest.reference not in rest


def test_the_page_keeps_its_filters_and_refuses_a_forged_cursor(worker_client, cast, registry, small_pages):
    expected, _theirs, _base = registry
    url = reverse("cases:list")
    status = Case.objects.visible_to(cast.worker).first().status
    response = worker_client.get(url, {"status": status})
    assert f"status={status}" in link(response, "next")
    assert shown(worker_client.get(url + link(response, "next"))) == expected[SIZE:2 * SIZE]
    assert shown(worker_client.get(url, {"cursor": "not-a-cursor"})) == expected[:SIZE]  # the first page
    assert shown(worker_client.get(url, {"page": 2})) == expected[SIZE:2 * SIZE]  # an old numbered link


def test_the_api_case_list_pages_by_cursor(api, cast, registry, small_pages):
    expected, theirs, _base = registry
    client = api(cast.worker)
    body = client.get("/api/v1/cases/").json()
    assert body["count"] == 8 and body["previous"] is None
    pages = [[row["reference"] for row in body["results"]]]
    while body["next"]:
        body = client.get(body["next"]).json()
        pages.append([row["reference"] for row in body["results"]])
    assert sum(pages, []) == expected and theirs not in sum(pages, [])
    back = [pages[-1]]
    while body["previous"]:
        body = client.get(body["previous"]).json()
        back.append([row["reference"] for row in body["results"]])
    assert back[::-1] == pages
    last = client.get("/api/v1/cases/", {"last": 1}).json()
    assert [row["reference"] for row in last["results"]] == expected[-SIZE:] and last["next"] is None
    assert client.get("/api/v1/cases/", {"cursor": "forged"}).status_code == 404
    numbered = client.get("/api/v1/cases/", {"page": 2}).json()
    assert [row["reference"] for row in numbered["results"]] == expected[SIZE:2 * SIZE]


def test_numbered_pages_read_the_ids_first_and_count_once(worker_client, api, cast, registry, small_pages):
    """An old numbered link (`?page=N`, OFFSET) shows the same cases in the same order as paging by cursor,
    on the page and in the API; the page's rows are read by their ids (keyset.read: the walk through the
    list never fetches a row it passes over) and the visible cases are counted once per page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    expected, theirs, _base = registry
    url = reverse("cases:list")
    pages = []
    for number in (1, 2, 3):
        with CaptureQueriesContext(connection) as ctx:
            pages.append(shown(worker_client.get(url, {"page": number})))
        counts = [q["sql"] for q in ctx.captured_queries  # (the count unites the access rule's parts)
                  if q["sql"].startswith("SELECT COUNT(*)") and '"cases_case"' in q["sql"]]
        assert len(counts) == 1, counts
        walks = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('SELECT "cases_case"."id" AS "pk" FROM "cases_case"')
                 and "ORDER BY" in q["sql"]]
        assert walks and (number == 1 or "OFFSET" in walks[0])  # the walk to the page reads ids only
    assert sum(pages, []) == expected and theirs not in sum(pages, [])
    assert shown(worker_client.get(url, {"page": 99})) == expected[2 * SIZE:]  # beyond the end: the last page
    client = api(cast.worker)
    numbered = [[row["reference"] for row in client.get("/api/v1/cases/", {"page": n}).json()["results"]]
                for n in (1, 2, 3)]
    assert numbered == pages
    assert client.get("/api/v1/cases/", {"page": 99}).status_code == 404  # the API says the page does not exist
