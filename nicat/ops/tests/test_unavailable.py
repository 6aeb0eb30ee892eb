"""A lost database connection is a 503 with Retry-After (a page in the reader's language, a JSON problem on
/api/), never a 500 traceback; every other database error stays a 500. Both engines; the real restart is in
test_faults.py (PostgreSQL)."""
import logging

import pytest
from django.db import OperationalError, connection
from django.test import Client, override_settings

pytestmark = [pytest.mark.django_db]


def _database_gone(message="server closed the connection unexpectedly"):
    def wrapper(execute, sql, params, many, context):
        raise OperationalError(message)

    return connection.execute_wrapper(wrapper)


class _Cause(Exception):
    """A driver's error with its SQLSTATE, as psycopg raises them."""

    def __init__(self, sqlstate):
        self.sqlstate = sqlstate


def _with_state(state):
    exc = OperationalError("x")
    exc.__cause__ = _Cause(state)
    return exc


@override_settings(DEBUG=False, DEBUG_PROPAGATE_EXCEPTIONS=False)
def test_a_page_while_the_database_is_away_is_a_503_in_the_readers_language(cast, caplog):
    client = Client(raise_request_exception=False)
    client.force_login(cast.worker)
    caplog.set_level(logging.WARNING)
    with _database_gone():
        response = client.get("/", HTTP_ACCEPT_LANGUAGE="ru")
    html = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "Сервис временно недоступен" in html and "Подождите несколько секунд" in html
    assert "Traceback" not in html and "server closed" not in html
    assert "database unavailable (OperationalError): answered 503" in caplog.text
    with _database_gone():
        assert client.get("/", HTTP_ACCEPT_LANGUAGE="az").content.decode().count("Xidmət müvəqqəti olaraq")


@override_settings(DEBUG=False, DEBUG_PROPAGATE_EXCEPTIONS=False)
def test_the_api_while_the_database_is_away_answers_a_json_problem(cast):
    from nicat.accounts.tokens import issue_token

    token = issue_token(user=cast.worker)
    client = Client(raise_request_exception=False)
    with _database_gone("connection failed: connection to server at \"127.0.0.1\", port 5432 failed: "
                        "Connection refused"):
        response = client.post("/api/v1/cases/", {}, content_type="application/json",
                               HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 503 and body["code"] == "service_unavailable" and "few seconds" in body["detail"]


@override_settings(DEBUG=False, DEBUG_PROPAGATE_EXCEPTIONS=False)
def test_any_other_database_error_stays_a_500(cast):
    client = Client(raise_request_exception=False)
    client.force_login(cast.worker)
    with _database_gone("no such column: cases_case.nonsense"):
        response = client.get("/")
    assert response.status_code == 500 and "Retry-After" not in response


def test_the_503_log_line_has_no_stack_trace():
    import sys

    from nicat.core.logfilters import OneLineClientErrors

    try:
        raise OperationalError("terminating connection due to administrator command")
    except OperationalError:
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Service Unavailable: /", (),
                                   sys.exc_info())
    record.status_code = 503
    assert OneLineClientErrors().filter(record) and record.exc_info is None


def test_which_errors_mean_the_database_is_away():
    from django.db import IntegrityError, InterfaceError

    from nicat.web.views import database_unavailable

    assert database_unavailable(InterfaceError("connection already closed"))
    assert database_unavailable(_with_state("57P01")) and database_unavailable(_with_state("08006"))
    assert not database_unavailable(_with_state("57014"))  # a statement timeout: the query, not the server
    assert not database_unavailable(_with_state("40P01"))  # a deadlock
    assert not database_unavailable(IntegrityError("duplicate key"))
    assert not database_unavailable(OperationalError("database is locked"))


@override_settings(DEBUG=False, DEBUG_PROPAGATE_EXCEPTIONS=False)
@pytest.mark.parametrize("message", ['could not extend file "base/16384/2619": No space left on device',
                                     "database or disk is full"])
def test_a_full_database_disk_is_a_503_that_says_so_never_a_500(cast, caplog, message):
    """PostgreSQL's disk full (SQLSTATE 53100), SQLite's SQLITE_FULL: the write was rolled back whole; the page
    and the API say there is no room and to tell the administrator (issue 18, item 6)."""
    from nicat.accounts.tokens import issue_token

    client = Client(raise_request_exception=False)
    client.force_login(cast.worker)
    caplog.set_level(logging.WARNING)
    with _database_gone(message):
        page = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 503 and page["Retry-After"] == "300"
    assert "no room left to save data" in html and "Nothing was saved half-way" in html
    assert "No space left" not in html and "Traceback" not in html
    assert "database full (OperationalError): answered 503" in caplog.text
    with _database_gone(message):
        assert "yer qalmayıb" in client.get("/", HTTP_ACCEPT_LANGUAGE="az").content.decode()
    token = issue_token(user=cast.worker)
    with _database_gone(message):
        response = Client(raise_request_exception=False).post(
            "/api/v1/cases/", {}, content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 503 and response.json()["code"] == "storage_full"


def _deadlock():
    def wrapper(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE")):
            raise OperationalError("deadlock detected") from _Cause("40P01")
        return execute(sql, params, many, context)

    return connection.execute_wrapper(wrapper)


@override_settings(DEBUG=False, DEBUG_PROPAGATE_EXCEPTIONS=False)
@pytest.mark.django_db(transaction=True)  # each request's own transaction, rolled back, as on the server
@pytest.mark.parametrize("channel", ["page", "api"])
def test_a_write_the_database_ended_in_a_deadlock_is_a_503_that_says_send_it_again(cast, caplog, channel):
    """PostgreSQL ends one of two transactions that wait for each other's rows (a merge of two records and a note
    saved on one of their cases, docs/security.md): the person is told that nothing of theirs was saved and to send
    it again — in their language, never the 500 page; the API answers a JSON problem with its own code. (Before: the
    500 page.)"""
    from nicat.accounts.tokens import issue_token
    from nicat.cases.models import CaseNote

    case = cast.open_case(person={"given_name": "Nərgiz", "family_name": "Əliyeva"})
    client = Client(raise_request_exception=False)
    caplog.set_level(logging.WARNING)
    if channel == "page":
        client.force_login(cast.worker)
        with _deadlock():
            response = client.post(f"/cases/{case.uuid}/notes/", {"text": "She called again."},
                                   HTTP_ACCEPT_LANGUAGE="ru")
        html = response.content.decode()
        assert response.status_code == 503 and response["Retry-After"] == "1"
        assert "Ничего из отправленного вами не сохранено" in html and "deadlock" not in html
    else:
        token = issue_token(user=cast.worker)
        with _deadlock():
            response = client.post(f"/api/v1/cases/{case.uuid}/notes/", {"text": "She called again."},
                                   content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}")
        body = response.json()
        assert response.status_code == 503 and response["Retry-After"] == "1"
        assert body["code"] == "write_conflict" and "Send it again" in body["detail"]
    assert "write conflict (OperationalError): answered 503" in caplog.text
    assert not CaseNote.objects.system().filter(case=case).exists()


def test_which_errors_mean_another_write_took_the_rows():
    from django.db import IntegrityError

    from nicat.web.views import database_unavailable, write_conflict

    assert write_conflict(_with_state("40P01")) and write_conflict(_with_state("40001"))
    assert write_conflict(OperationalError("database is locked"))
    assert not write_conflict(_with_state("57P01")) and not write_conflict(_with_state("57014"))
    assert not write_conflict(IntegrityError("duplicate key"))
    assert not database_unavailable(_with_state("40P01"))
