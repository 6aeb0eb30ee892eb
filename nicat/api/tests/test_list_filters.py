"""A list's query filters say what they take, and a value they cannot take is a 400 that says what to fix.

Found by a longer seeded schemathesis run (NICAT_SCHEMATHESIS_SCALE=8): `GET /api/v1/approvals/?case=<not a
uuid>` (tasks, compensation payments the same) answered 200 with an empty list — a client's typo read as "this
case has no approvals" — while the referrals answered 400 for the same mistake; 19 of the lists that narrow by
`?case=` (consents, stays, payments, decisions …) did not say in the schema that they do; the referrals' `box`,
`state` and `status` were neither documented nor checked (`?state=clsoed` listed the open ones), nor were the
legal-basis orders' `status` and the notifications' `unread`; the legal-basis orders ignored `?case=`; the notes and
route of a case listed the case list's filters, which they do not apply. One rule now
(nicat.core.viewsets.case_param, uuid_param, choice_param; nicat.api.schema documents `?case=` on every list
that takes it).
"""
import uuid

import yaml

from tests.support.world import ShelterWorld


def _schema(client):
    return yaml.safe_load(client.get("/api/v1/schema/").content)["paths"]


def _takes_case(operation):
    return any(p.get("name") == "case" and p.get("in") == "query" for p in operation.get("parameters", []))


def test_every_list_that_narrows_by_case_says_so_and_refuses_an_id_that_is_no_uuid(api, cast, client):
    world = ShelterWorld(cast)
    case = world.adult()
    world.refer_to_shelter(case)
    paths = _schema(client)
    lists = sorted(path for path, ops in paths.items() if "get" in ops and _takes_case(ops["get"]))
    for documented_now in ("/api/v1/consents/", "/api/v1/stays/", "/api/v1/allowance-payments/",
                           "/api/v1/identification/decisions/", "/api/v1/referrals/", "/api/v1/returns/"):
        assert documented_now in lists
    for path in lists:
        parameter = next(p for p in paths[path]["get"]["parameters"] if p.get("name") == "case")
        assert parameter["schema"].get("format") == "uuid" and parameter.get("allowEmptyValue") is True, path
    clients = [api(cast.worker), api(cast.officer)]  # the officer reads the proceedings a worker's role never sees
    refused = set()
    for path in lists:
        for reader in clients:
            extra = {"reason": "Checking the lists"}  # the security measures' list asks why
            bad = reader.get(path, {"case": "not-a-uuid", **extra})
            if bad.status_code == 403:
                continue
            assert bad.status_code == 400 and "case" in bad.json(), (path, bad.status_code, bad.content[:300])
            refused.add(path)
            whole, empty = reader.get(path, extra), reader.get(path, {"case": "", **extra})
            assert whole.status_code == empty.status_code == 200, path
            assert _uuids(empty) == _uuids(whole), path  # empty narrows nothing
            break
    assert refused == set(lists)


def _uuids(response):
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    return sorted(str(row.get("uuid")) for row in rows)


def test_a_case_of_another_institution_narrows_a_list_as_a_case_that_does_not_exist(api, cast):
    """No side door: `?case=` with another NGO's case answers what a made-up id answers (an empty list), never
    a 400 or 404 that would say the case exists."""
    world = ShelterWorld(cast)
    theirs = world.adult()
    world.consent(theirs, "referral", institution=cast.ngo2)
    stranger = api(cast.worker2)
    for path in ("/api/v1/consents/", "/api/v1/referrals/", "/api/v1/stays/"):
        own_answer = stranger.get(path, {"case": str(theirs.uuid)})
        made_up = stranger.get(path, {"case": str(uuid.uuid4())})
        assert own_answer.status_code == made_up.status_code == 200, path
        assert _uuids(own_answer) == _uuids(made_up) == [], path


def test_the_referrals_filters_say_what_they_take(api, cast, client):
    world = ShelterWorld(cast)
    case = world.adult()
    referral = world.refer_to_shelter(case)
    worker = api(cast.worker)
    for name, value in (("box", "sideways"), ("state", "clsoed"), ("status", "lost")):
        answer = worker.get("/api/v1/referrals/", {name: value})
        assert answer.status_code == 400 and name in answer.json(), (name, answer.content)
    shown = _uuids(worker.get("/api/v1/referrals/", {"box": "outgoing", "state": "", "status": ""}))
    assert shown == [str(referral.uuid)]
    assert _uuids(worker.get("/api/v1/referrals/", {"box": "incoming"})) == []
    parameters = {p["name"]: p for p in _schema(client)["/api/v1/referrals/"]["get"]["parameters"] if "name" in p}
    assert set(parameters["box"]["schema"]["enum"]) == {"incoming", "outgoing"}
    assert set(parameters["state"]["schema"]["enum"]) == {"open", "closed"}


def test_other_list_filters_refuse_what_they_cannot_take(api, cast):
    world = ShelterWorld(cast)
    world.adult()
    worker = api(cast.worker)
    for path, params, name in (("/api/v1/approvals/", {"status": "maybe"}, "status"),
                               ("/api/v1/consents/", {"purpose": "curiosity"}, "purpose"),
                               ("/api/v1/compensation-payments/", {"claim": "12"}, "claim"),
                               ("/api/v1/cases/", {"last": "0"}, "last"),
                               ("/api/v1/legal-basis-orders/", {"status": "done"}, "status"),
                               ("/api/v1/notifications/", {"unread": "yes"}, "unread")):
        answer = worker.get(path, params)
        assert answer.status_code == 400 and name in answer.json(), (path, answer.content)
    assert worker.get("/api/v1/cases/", {"last": "1"}).status_code == 200
    assert worker.get("/api/v1/consents/", {"purpose": ""}).status_code == 200


def test_a_cases_notes_and_route_do_not_offer_the_case_lists_filters(client, db):
    paths = _schema(client)
    for path in ("/api/v1/cases/{uuid}/notes/", "/api/v1/cases/{uuid}/events/"):
        names = {p.get("name") for p in paths[path]["get"].get("parameters", [])}
        assert names <= {"uuid"}, (path, names)
