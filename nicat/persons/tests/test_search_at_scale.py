"""Search ranks the whole registry, not the newest persons sharing a word (issue 19): an old person whose
full name is unique — one common word, one rare — is found by name alone, in Latin and in Cyrillic, when
thousands of newer persons share the common word."""
import itertools

import pytest

from nicat.persons import selectors
from nicat.persons.indexing import person_data
from nicat.persons.models import Person, PersonToken
from nicat.persons.selectors import search_persons
from nicat.privacy import indexes

GIVEN = ["Aysel", "Leyla", "Günel", "Səbinə", "Nərmin", "Könül", "Sevinc", "Nigar", "Aynur", "Lalə", "Fidan", "Aytən",
         "Türkan", "Zəhra", "Məryəm", "Samirə", "Solmaz", "Pərvin", "Kəmalə", "Ləman"]


def add_namesakes(institution, count, family="Məmmədova", given=GIVEN):
    """`count` persons registered after everyone else, bulk-inserted with their index columns and keyed
    tokens as the person services write them (faster than one service call each)."""
    rows = []
    for name in itertools.islice(itertools.cycle(given), count):
        rows.append(Person(given_name=name, family_name=family, patronymic="", aliases=[], documents=[], phone="",
                           address="", registered_by_institution=institution))
    for person in rows:
        for column, value in indexes.exact_indexes(person_data(person)).items():
            setattr(person, column, value)
    created = Person.objects.system().bulk_create(rows, batch_size=500)
    if created and created[0].pk is None:  # backends that do not return keys: read them back
        created = list(Person.objects.system().order_by("-pk")[:count])
    PersonToken.objects.system().bulk_create(
        [PersonToken(person=p, kind=kind, token=tok) for p in created for kind, tok in indexes.person_tokens(person_data(p))],
        batch_size=2000)
    return created


@pytest.fixture
def nezaket_among_thousands(cast):
    old = cast.open_case(person={"given_name": "Nəzakət", "family_name": "Məmmədova"}).person
    add_namesakes(cast.ngo, selectors.POSTING_CAP + 300)
    common = indexes.token(indexes.Kind.NAME, indexes.names.key("Məmmədova"))
    sharing = PersonToken.objects.system().filter(token=common).count()
    assert sharing > selectors.POSTING_CAP and sharing > selectors.SEARCH_LIMIT  # the common word selects nothing
    return old


@pytest.mark.parametrize("query", ["Nəzakət Məmmədova", "Məmmədova Nəzakət", "Nazakat Mammadova",
                                   "Назакет Мамедова", "Мамедова Назакет", "Nəzakət"])
def test_old_person_with_a_unique_full_name_is_found_by_name_alone(cast, nezaket_among_thousands, query):
    results = search_persons(user=cast.worker, q=query)
    assert results, "the search answered nothing"
    assert results[0]["person"] == nezaket_among_thousands
    assert len(results) == 1  # every newer person shares only the common word


def test_a_name_whose_every_word_is_common_still_answers_with_namesakes(cast, nezaket_among_thousands):
    results = search_persons(user=cast.worker, q="Aysel Məmmədova", limit=50)
    assert len(results) == 50
    assert all(r["person"].given_name == "Aysel" and r["person"].family_name == "Məmmədova" for r in results)
    assert search_persons(user=cast.worker, q="Мамедова", limit=20)  # one common word: never an empty answer


def test_the_ranking_never_reaches_past_what_the_user_may_see(cast, nezaket_among_thousands):
    assert search_persons(user=cast.worker2, q="Nəzakət Məmmədova") == []
    assert search_persons(user=cast.worker2, q="Aysel Məmmədova") == []


def test_a_typo_late_in_the_rare_word_still_finds_her(cast, nezaket_among_thousands):
    results = search_persons(user=cast.worker, q="Nəzakat Məmmədova")
    assert results and results[0]["person"] == nezaket_among_thousands


def test_the_migration_gives_registered_persons_their_spelling_tokens(cast):
    import importlib

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    person = cast.open_case(person={"given_name": "Əli", "family_name": "Cəfərli"}).person
    spelling = PersonToken.objects.system().filter(person=person, kind=indexes.Kind.NAME_SPELLING)
    expected = set(spelling.values_list("token", flat=True))
    assert len(expected) == 2
    spelling.delete()  # as registered before the kind existed
    assert search_persons(user=cast.worker, q="Əli Cəfərli")  # still found by the other tokens
    migration = importlib.import_module("nicat.persons.migrations.0003_name_spelling_tokens")
    apps = MigrationExecutor(connection).loader.project_state(("persons", "0003_name_spelling_tokens")).apps
    migration.add_spelling_tokens(apps, None)
    migration.add_spelling_tokens(apps, None)  # idempotent
    assert sorted(spelling.values_list("token", flat=True)) == sorted(expected)


def test_among_namesakes_equal_by_every_token_the_one_written_as_typed_comes_first(cast):
    """Nigar Alılı and Nigar Əlilı share every key and spelling token; more newer Əlilıs than a search
    decrypts by token score alone (SEARCH_RANKED), yet the old Alılı written as typed comes first — typed in
    Latin or in Cyrillic (Алылы, not Алилы)."""
    old = cast.open_case(person={"given_name": "Nigar", "family_name": "Alılı"}).person
    add_namesakes(cast.ngo, selectors.SEARCH_RANKED + 150, family="Əlilı", given=["Nigar"])
    for query in ("Nigar Alılı", "Нигар Алылы", "Alılı Nigar"):
        results = search_persons(user=cast.worker, q=query, limit=10)
        assert results[0]["person"] == old, query
    newest = search_persons(user=cast.worker, q="Nigar Əlilı", limit=10)
    assert old not in [r["person"] for r in newest]  # written otherwise: after the ten Əlilıs


def test_a_name_whose_every_token_is_common_finds_the_old_person_holding_every_spelling(cast):
    """Every token of "Məhəmməd Alılı" is held by more than POSTING_CAP persons (the pair of keys by the
    Məhəmməd Əliyevs, the spelling of Alılı by the Rəşad Əlilıs), and thousands of them are newer: the
    persons holding the spelling of every word are few, and the old one is among them."""
    old = cast.open_case(person={"given_name": "Məhəmməd", "family_name": "Alılı"}).person
    add_namesakes(cast.ngo, selectors.POSTING_CAP + 50, family="Əliyev", given=["Məhəmməd"])
    add_namesakes(cast.ngo, selectors.POSTING_CAP + 50, family="Əlilı", given=["Rəşad"])
    tokens = indexes.search_name_tokens("Məhəmməd Alılı", combined=True)
    counts = selectors._capped_counts(sorted({t for _, t in tokens}), selectors.POSTING_CAP + 1)
    assert all(counts.get(t, 0) > selectors.POSTING_CAP for _, t in tokens)  # nothing selective
    for query in ("Məhəmməd Alılı", "Магаммад Алылы"):
        results = search_persons(user=cast.worker, q=query, limit=10)
        assert results and results[0]["person"] == old, query
    assert search_persons(user=cast.worker2, q="Məhəmməd Alılı") == []  # another NGO's worker: nothing


def test_narrowing_to_the_workers_persons_first_changes_no_answer(cast, nezaket_among_thousands, monkeypatch):
    """A worker whose institution holds a small part of the registry has the holders of a name narrowed to
    their persons before anything is ranked (selectors._narrowing); a common name's namesakes, a unique full
    name among thousands and a rare word alone answer the same as when each holder is asked about."""
    def answers():
        return {q: [r["person"].pk for r in search_persons(user=cast.worker, q=q, limit=50)]
                for q in ("Aysel Məmmədova", "Nəzakət Məmmədova", "Назакет Мамедова", "Мамедова", "Nəzakət")}

    monkeypatch.setattr(selectors, "NARROW_SHARE", 0.0)
    asked = answers()
    monkeypatch.setattr(selectors, "NARROW_SHARE", float("inf"))
    assert selectors._narrowing(cast.worker) is not None
    assert answers() == asked
    assert asked["Nəzakət Məmmədova"][0] == nezaket_among_thousands.pk and len(asked["Aysel Məmmədova"]) == 50


def test_only_a_worker_who_sees_a_small_part_of_the_registry_is_narrowed(cast, nezaket_among_thousands):
    """The first NGO registered all 2,301 persons: its worker's holders are asked about by id (narrowing to
    nearly everyone would only cost); the second NGO registered none: its worker's are narrowed."""
    assert selectors._narrowing(cast.worker) is None
    assert selectors._narrowing(cast.worker2) is not None
    assert search_persons(user=cast.worker2, q="Nəzakət Məmmədova") == []
