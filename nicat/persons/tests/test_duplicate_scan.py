"""`nicat duplicates scan` finds duplicates across the registry for the coordinator."""
import datetime
import io

from django.core.management import call_command

from nicat.persons.models import DuplicateSignal, SignalSource, SignalStatus


def test_scan_finds_duplicates_across_spellings_and_institutions(cast):
    born = datetime.date(1990, 6, 1)
    a = cast.open_case(actor=cast.worker, person={"given_name": "İlqar", "family_name": "Hüseynov", "birth_date": born})
    b = cast.open_case(actor=cast.worker, person={"given_name": "Ильгар", "family_name": "Гусейнов",
                                                  "birth_date": born})  # own scope: no intake signal
    c = cast.open_case(actor=cast.worker, person={"given_name": "Ilgar", "family_name": "Guseynov",
                                                  "birth_date": datetime.date(1990, 1, 6)})  # day/month swapped
    other = cast.open_case(actor=cast.worker, person={"given_name": "Leyla", "family_name": "Hüseynova",
                                                      "birth_date": born})
    assert DuplicateSignal.objects.system().count() == 0
    out = io.StringIO()
    call_command("duplicates", "scan", stdout=out)
    assert "3 likely duplicates, 3 new signals" in out.getvalue()
    pairs = {frozenset((s.person_a_id, s.person_b_id)) for s in DuplicateSignal.objects.system().all()}
    ids = [a.person_id, b.person_id, c.person_id]
    assert pairs == {frozenset((x, y)) for x in ids for y in ids if x < y}
    assert other.person_id not in {p for pair in pairs for p in pair}
    assert set(DuplicateSignal.objects.system().values_list("source", flat=True)) == {SignalSource.SCAN}
    # run again: nothing new; a dismissed pair is not raised again
    DuplicateSignal.objects.system().filter(pk=DuplicateSignal.objects.system().first().pk).update(
        status=SignalStatus.DISMISSED)
    out = io.StringIO()
    call_command("duplicates", "scan", stdout=out)
    assert "0 new signals" in out.getvalue()


def test_scan_dry_run_records_nothing(cast):
    for _ in range(2):
        cast.open_case(person={"given_name": "Şirin", "family_name": "Quliyeva",
                               "birth_date": datetime.date(2001, 2, 3)})
    out = io.StringIO()
    call_command("duplicates", "scan", "--dry-run", stdout=out)
    assert "1 likely duplicates, 0 new signals" in out.getvalue()
    assert DuplicateSignal.objects.system().count() == 0


def test_reindex_command(cast):
    from nicat.persons.models import PersonToken

    case = cast.open_case()
    before = set(PersonToken.objects.system().filter(person=case.person).values_list("kind", "token"))
    PersonToken.objects.system().all().delete()
    out = io.StringIO()
    call_command("persons", "reindex", stdout=out)
    assert "1 persons reindexed" in out.getvalue()
    assert set(PersonToken.objects.system().filter(person=case.person).values_list("kind", "token")) == before


def test_scan_learns_the_weights_from_the_registry_and_intake_uses_them(cast):
    from collections import defaultdict

    from nicat.persons.generator import generate
    from nicat.persons.models import MatchModel
    from nicat.persons.selectors import current_model

    truth = []
    generate(2500, seed=3, duplicate_share=0.05, institutions=[cast.ngo, cast.ngo2], workers=1, truth=truth)
    out = io.StringIO()
    call_command("duplicates", "scan", stdout=out)
    assert "match weights re-estimated" in out.getvalue()
    stored = MatchModel.objects.get()
    assert current_model().as_dict() == stored.parameters
    assert stored.parameters["trained"]["sessions"]["names"]["pairs"] > 0
    groups = defaultdict(set)
    for orig, dup in truth:
        groups[orig].update((orig, dup))
    true = {frozenset((a, b)) for g in groups.values() for a in g for b in g if a < b}
    found = {frozenset(p) for p in DuplicateSignal.objects.system().values_list("person_a_id", "person_b_id")}
    assert len(found & true) / len(found) >= 0.85 and len(found & true) / len(true) >= 0.6


def test_generate_command_fills_a_benchmark_registry(cast):
    import pytest
    from django.core.management.base import CommandError

    from nicat.persons.models import Person
    from nicat.persons.selectors import search_persons

    with pytest.raises(CommandError):
        call_command("persons", "generate", "20", "--workers", "1")
    out = io.StringIO()
    call_command("persons", "generate", "200", "--workers", "1", "--yes-this-is-a-benchmark-database", stdout=out)
    assert "200 persons generated" in out.getvalue()
    people = list(Person.objects.system().all())
    assert len(people) == 200 and all(p.given_name or p.family_name for p in people)
    some = next(p for p in people if p.family_name and p.registered_by_institution_id == cast.ngo.pk)
    assert some in [r["person"] for r in search_persons(user=cast.worker, q=some.family_name)]


def test_the_scan_compares_in_several_processes_with_the_same_outcome(cast, settings, monkeypatch):
    """At national scale the pairs are compared in forked processes (NICAT_SCAN_PROCESSES): the levels,
    the weights learnt from them and the pairs raised are the same as in one process."""
    from nicat.persons import duplicates
    from nicat.persons.generator import generate

    truth = []
    generate(2500, seed=5, duplicate_share=0.05, institutions=[cast.ngo, cast.ngo2], workers=1, truth=truth)
    watch = {(min(a, b), max(a, b)) for a, b in truth}
    runs = {}
    for processes in (1, 2):
        settings.NICAT_SCAN_PROCESSES = processes
        monkeypatch.setattr(duplicates, "PARALLEL_MIN_PAIRS", 0)
        said = []
        runs[processes] = (duplicates.scan(record=False, watch=watch, progress=said.append), said)
    (one, said_one), (two, said_two) = runs[1], runs[2]
    assert any("1 process(es)" in m for m in said_one) and any("2 process(es)" in m for m in said_two)
    assert two.pairs == one.pairs > 1000 and two.trained and one.trained
    assert two.cells == one.cells and sum(c[1] for c in two.cells.values()) > 50
    assert two.model == one.model
    assert two.matches == one.matches > 50


def test_the_scan_unwraps_the_persons_keys_in_one_query_per_chunk(cast):
    """Persons registered through the services are sealed with their own data keys: the scan reads those
    keys together, not one query per person (a million queries at national scale)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from nicat.persons.duplicates import _profiles
    from nicat.privacy import personkeys

    cases = [cast.open_case(person={"given_name": "Nərgiz", "family_name": f"Əliyeva{i}",
                                    "birth_date": datetime.date(1995, 1, 1 + i)}) for i in range(25)]
    personkeys.forget_cache()
    with CaptureQueriesContext(connection) as queries:
        profiles = _profiles([c.person_id for c in cases])
    assert len(profiles) == 25 and profiles[cases[3].person_id].family_fold.startswith("aliyeva")
    assert len(queries) <= 3, [q["sql"][:80] for q in queries]


def test_a_comparing_process_that_dies_fails_the_scan_instead_of_hanging_it(monkeypatch):
    """A forked comparing process killed (the machine out of memory) ends the scan with an error the
    operator sees; the coordinator's scan never waits forever."""
    from array import array
    from concurrent.futures.process import BrokenProcessPool

    import pytest

    from nicat.persons import duplicates

    monkeypatch.setattr(duplicates, "_compare_part", _killed)
    pairs = array("q", range(8))
    with pytest.raises(BrokenProcessPool):
        duplicates._compare_all(pairs, pairs, pairs, {}, {}, {}, None, processes=2)
    assert duplicates._SHARED is None  # nothing decrypted stays referenced after the failure


def _killed(bounds):
    """A comparing process's work, cut short as the kernel's out-of-memory killer would."""
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)
