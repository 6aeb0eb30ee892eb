"""`nicat demo`: the demo world is complete, realistic in its proportions and reproducible."""
import datetime
import io
import re

import pytest
from django.core.management import call_command

from nicat.web.demo import CENTRE, MAIN, NGO1, NGO2, TIME_BASE, USERS, is_child_case, plan_world, today_base
from nicat.web.demo_living import HOTLINE_CASES

DEMO_PASSWORD = "demo password for the tests"


def fingerprint(plan):
    return [(c["year"], c["number"], c["case"]["exploitation_forms"], c["person"]["citizenships"],
             c["person"]["family_name"], c["owner"]) for c in plan["cases"]]


def run_demo(*args, **options):
    out = io.StringIO()
    call_command("demo", *args, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def demo_password(monkeypatch):
    monkeypatch.setenv("NICAT_DEMO_PASSWORD", DEMO_PASSWORD)
    return DEMO_PASSWORD


# ---------------------------------------------------------------------------- the plan (pure)

def test_plan_is_deterministic_and_depends_on_the_seed():
    assert plan_world(2026, 120) == plan_world(2026, 120)
    assert fingerprint(plan_world(2026, 120)) != fingerprint(plan_world(2027, 120))


def test_more_cases_continue_the_sequence_of_the_seed():
    whole = {c["index"]: c for c in plan_world(5, 40)["cases"]}
    tail = plan_world(5, 20, start=20)["cases"]
    assert sorted(c["index"] for c in tail) == list(range(20, 40))
    for c in tail:
        assert c["person"] == whole[c["index"]]["person"]
        assert c["case"] == whole[c["index"]]["case"]


def test_plan_proportions_follow_the_caseload():
    cases = plan_world(2026, 120)["cases"]
    assert len(cases) == 120
    female_sexual = [c for c in cases if c["person"]["gender"] == "feminine"
                     and "sexual_exploitation" in c["case"]["exploitation_forms"]]
    male_labour = [c for c in cases if c["person"]["gender"] == "masculine"
                   and "forced_labour" in c["case"]["exploitation_forms"]]
    children = [c for c in cases if is_child_case(c)]
    foreigners = [c for c in cases if set(c["person"]["citizenships"]) - {"AZ", "XXA"}]
    stateless = [c for c in cases if c["person"]["citizenships"] == ["XXA"]]
    assert len(female_sexual) > len(cases) / 2
    assert len(male_labour) >= 10
    assert children and foreigners and stateless
    assert all(c["case"]["countries_of_exploitation"] == ["AZ"] for c in foreigners)
    transnational = [c for c in female_sexual if c["case"]["scope"] == "transnational"]
    assert {d for c in transnational for d in c["case"]["countries_of_exploitation"]} >= {"TR", "AE", "RU"}
    statuses = [(c["decision"] or {}).get("trafficking_status", "PossibleVictimOfTrafficking") for c in cases]
    assert 0.6 <= statuses.count("PossibleVictimOfTrafficking") / len(cases) <= 0.85
    assert 0.12 <= statuses.count("ActualVictimOfTrafficking") / len(cases) <= 0.3
    assert 1 <= statuses.count("NotAVictimOfTrafficking") <= 10
    outcomes = [(c["outcome"] or {}).get("status", "Active") for c in cases]
    assert outcomes.count("Active") > len(cases) / 3 and "FollowUp" in outcomes and "Closed" in outcomes


def test_planned_cases_are_consistent():
    for c in plan_world(2026, 120)["cases"]:
        first = c["case"]["first_contact_at"]
        assert first.tzinfo is not None
        assert TIME_BASE - datetime.timedelta(days=3 * 365 + 1) < first < TIME_BASE
        for event in c["events"]:
            assert event["date_from"] <= first.date()
            assert event["date_to"] is None or event["date_from"] <= event["date_to"] <= first.date()
        assert [e["kind"] for e in c["events"]][0] == "Recruitment"
        assert [e["kind"] for e in c["events"]][-1] == "Exploitation"
        if "AZ" in c["person"]["citizenships"]:
            assert c["events"][0]["country"] == "AZ"
        if is_child_case(c):
            assert c["case"]["means"] == []
        else:
            assert c["case"]["means"], "an adult case needs a means"
        assert c["case"]["exploitation_forms"] and c["case"]["acts"]
        if c["case"]["scope"] == "transnational":
            assert c["case"]["countries_of_recruitment"] != c["case"]["countries_of_exploitation"]
        for doc in c["person"]["documents"]:
            assert doc["type"] == "passport"
            if doc["country"] == "AZ":
                assert re.fullmatch(r"C\d{8}", doc["number"])
        if c["decision"]:
            assert c["owner"] == MAIN and c["decision"]["by"] == "police.officer"
        if c["outcome"] and c["outcome"]["status"].startswith("Closed"):
            assert c["outcome"]["closure_reason"]


# ---------------------------------------------------------------------------- the command

@pytest.mark.django_db
def test_demo_builds_institutions_users_and_cases(demo_password):
    from nicat.accounts.models import Membership, User
    from nicat.audit.models import AuditEvent
    from nicat.cases.models import Case, TraffickingEvent
    from nicat.directory.models import Institution

    out = run_demo(seed=7, cases=12)

    for username, role, code, *_ in USERS:
        user = User.objects.get(username=username)
        assert user.check_password(demo_password)
        assert user.first_name and user.last_name
        if role is None:
            assert user.is_superuser and user.is_staff and not user.memberships.exists()
        else:
            assert list(Membership.objects.filter(user=user).values_list("role", "institution__code")) == [(role, code)]
        assert username in out

    main = Institution.objects.get(code=MAIN)
    assert main.address == "Baku, Azadlig Avenue 161, AZ1106"
    assert main.phone == "(+99412) 590-20-49" and main.fax == "(+99412) 590-20-48"
    assert main.kind.code == "law_enforcement" and main.is_competent_authority and main.listed_publicly
    assert main.name_az and main.name_ru and main.name_en
    kinds = set(Institution.objects.values_list("kind__code", flat=True))
    assert kinds >= {"law_enforcement", "hotline", "shelter", "assistance_centre", "ngo", "medical",
                     "international_org", "religious_org", "embassy_consulate"}
    assert Institution.objects.filter(kind__code="ngo", is_nonprofit=True).count() == 2
    assert Institution.objects.get(code="hotline-152").phone == "152"

    # The synthetic cases, and the living world's cases the 152 hotline registered today.
    plan = plan_world(7, 12, time_base=today_base())
    references = {f"NCT-{c['year']}-{c['number']:06d}" for c in plan["cases"]}
    assert Case.objects.system().count() == 12 + HOTLINE_CASES
    living = Case.objects.system().exclude(reference__in=references)
    assert {c.owner_institution.code for c in living} == {"hotline-152"}
    cases = Case.objects.system().filter(reference__in=references).order_by("reference")
    assert cases.count() == 12
    owners = set(cases.values_list("owner_institution__code", flat=True))
    assert owners >= {MAIN, NGO1, NGO2, CENTRE}

    # The command applied the plan: same references, exploitation forms, citizenships, names, owners.
    expected = sorted((f"NCT-{c['year']}-{c['number']:06d}", c["case"]["exploitation_forms"],
                       c["person"]["citizenships"], c["person"]["family_name"], c["owner"])
                      for c in plan["cases"])
    actual = [(c.reference, sorted(t.code for t in c.exploitation_forms.all()),
               sorted(t.code for t in c.person.citizenships.all()), c.person.family_name,
               c.owner_institution.code) for c in cases]
    assert actual == expected

    # Everything went through the services: audited, by staff of the owning institution.
    for case in cases:
        created = AuditEvent.objects.get(action="case.create", case_reference=case.reference)
        assert Membership.objects.filter(user_id=created.actor_id, institution=case.owner_institution).exists()
        assert TraffickingEvent.objects.system().filter(case=case).count() >= 2
    decided = cases.exclude(trafficking_status="PossibleVictimOfTrafficking")
    for case in decided:
        assert case.status_decided_by == main
        # The status changes only through the identification decision (docs/legal-rules.md).
        assert AuditEvent.objects.filter(action="identification.decision", case_reference=case.reference,
                                         actor_username="police.officer").exists()


@pytest.mark.django_db
def test_second_run_adds_cases_but_not_users_or_institutions(demo_password):
    from nicat.accounts.models import Membership, User
    from nicat.cases.models import Case
    from nicat.directory.models import Institution

    run_demo(seed=3, cases=4)
    counts = (Institution.objects.count(), User.objects.count(), Membership.objects.count())
    out = run_demo(seed=3, cases=3)
    assert (Institution.objects.count(), User.objects.count(), Membership.objects.count()) == counts
    assert Case.objects.system().count() == 7 + HOTLINE_CASES
    assert "(unchanged)" in out


@pytest.mark.django_db
def test_if_empty_does_nothing_when_a_world_exists(demo_password):
    from nicat.audit.models import AuditEvent
    from nicat.cases.models import Case

    run_demo(seed=11, cases=4, if_empty=True)
    assert Case.objects.system().count() == 4 + HOTLINE_CASES
    events = AuditEvent.objects.count()
    out = run_demo(seed=11, cases=4, if_empty=True)
    assert "demo world already present" in out
    assert "ngo.worker" in out and "police.officer" in out
    assert demo_password not in out
    assert Case.objects.system().count() == 4 + HOTLINE_CASES
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_generated_password_is_printed_and_works(monkeypatch):
    from nicat.accounts.models import User

    monkeypatch.delenv("NICAT_DEMO_PASSWORD", raising=False)
    out = run_demo(seed=1, cases=1)
    password = re.search(r"Password of the new demo users: (\S+)", out).group(1)
    assert len(password) >= 12
    assert User.objects.get(username="supervisor").check_password(password)
