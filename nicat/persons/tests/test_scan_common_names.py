"""The batch scan splits a block of very common names by a second key instead of dropping it (issue 19):
a true pair among dozens of namesakes born the same year — every token they share is borne by too many
persons to compare pairwise — is still compared and raised, because the two records share three names
and the year, which only they share."""
import datetime
import random

import pytest

from nicat.persons import duplicates
from nicat.persons.generator import generate
from nicat.persons.indexing import person_data
from nicat.persons.models import DuplicateSignal, Person, PersonToken
from nicat.privacy import indexes

NAMESAKES = 40  # per group: above every block cap of the kinds the pair shares


def add_persons(institution, rows):
    """Persons bulk-inserted with their index columns and keyed tokens as the person services write them."""
    blank = {"patronymic": "", "aliases": [], "documents": [], "phone": "", "address": ""}
    people = [Person(registered_by_institution=institution, **{**blank, **row}) for row in rows]
    for person in people:
        for column, value in indexes.exact_indexes(person_data(person)).items():
            setattr(person, column, value)
    created = Person.objects.system().bulk_create(people, batch_size=500)
    if created and created[0].pk is None:  # backends that do not return keys: read them back
        created = list(Person.objects.system().order_by("-pk")[:len(people)])[::-1]
    PersonToken.objects.system().bulk_create(
        [PersonToken(person=p, kind=kind, token=tok) for p in created for kind, tok in indexes.person_tokens(person_data(p))],
        batch_size=2000)
    return created


@pytest.fixture
def pair_among_namesakes(cast):
    generate(2000, seed=5, institutions=[cast.ngo, cast.ngo2], workers=1)
    rnd = random.Random(7)

    def born():
        return datetime.date(1995, rnd.randint(1, 12), rnd.randint(1, 28))

    namesakes = []
    for _ in range(NAMESAKES):
        namesakes.append({"given_name": "Aysel", "family_name": "Məmmədova", "birth_date": born()})
        namesakes.append({"given_name": "Aysel", "family_name": rnd.choice(["Əliyeva", "Quliyeva", "Həsənova"]),
                          "patronymic": "Vüqar qızı", "birth_date": born()})
        namesakes.append({"given_name": rnd.choice(["Leyla", "Günel", "Nigar"]), "family_name": "Məmmədova",
                          "patronymic": "Vüqar qızı", "birth_date": born()})
    add_persons(cast.ngo, namesakes)
    # the same woman registered twice: another script, the day of birth one off, no document or phone
    original, again = add_persons(cast.ngo, [
        {"given_name": "Aysel", "family_name": "Məmmədova", "patronymic": "Vüqar qızı",
         "birth_date": datetime.date(1995, 6, 14)},
        {"given_name": "Айсель", "family_name": "Мамедова", "patronymic": "Вугар кызы",
         "birth_date": datetime.date(1995, 6, 15)}])
    return original.pk, again.pk


def test_a_true_pair_in_a_block_of_common_names_is_compared_and_raised(cast, pair_among_namesakes, monkeypatch):
    pair = pair_among_namesakes
    # every blocking token the two records share is borne by more persons than its kind's cap
    mine = set(PersonToken.objects.system().filter(person_id=pair[0], kind__in=indexes.BLOCKING_KINDS)
               .values_list("kind", "token"))
    theirs = set(PersonToken.objects.system().filter(person_id=pair[1]).values_list("kind", "token"))
    shared = mine & theirs
    assert {kind for kind, _ in shared} >= {indexes.Kind.NAME_PAIR, indexes.Kind.NAME_PAIR_YEAR}
    for kind, tok in shared:
        bearers = PersonToken.objects.system().filter(kind=kind, token=tok).count()
        assert bearers > indexes.SCAN_BLOCK_CAPS[kind], indexes.Kind.LABELS[kind]

    result = duplicates.scan(learn=False)
    raised = {(s.person_a_id, s.person_b_id) for s in DuplicateSignal.objects.system().all()}
    assert pair in raised or pair[::-1] in raised
    assert result.refined_blocks > 0
    assert "name-pair-year+name-pair-year" in result.pairs_by_kind

    # with large blocks dropped, as before, the two records were never compared
    monkeypatch.setattr(duplicates, "REFINE", {})
    assert pair not in duplicates.candidate_pairs()


def test_sub_blocks_keep_the_comparisons_few(cast, pair_among_namesakes):
    """Splitting adds only the pairs that share two large-block tokens, not the namesakes' blocks."""
    result = duplicates.ScanResult()
    pairs = duplicates.candidate_pairs(result=result)
    everyone = Person.objects.system().count()
    assert result.refined_blocks > 0
    assert len(pairs) < 20 * everyone
    namesake_pairs = 3 * NAMESAKES * (3 * NAMESAKES - 1) // 2
    refined = sum(n for label, n in result.pairs_by_kind.items() if "+" in label)
    assert refined < namesake_pairs / 10


def test_a_name_spelled_a_little_differently_is_weighed_by_how_common_it_is(cast):
    """Two records whose family names differ by one letter (a "close" agreement: a typo, another script) and
    that agree on the date of birth: on a name dozens bear this says less than on a name only they bear. The
    scan weighs a close agreement by the commoner spelling's bearers, as it weighs an exact one; before, every
    close agreement weighed the same, however common the name."""
    generate(2000, seed=5, institutions=[cast.ngo, cast.ngo2], workers=1)
    rnd = random.Random(11)
    add_persons(cast.ngo, [{"given_name": "Aysel", "family_name": "Məmmədova",
                            "birth_date": datetime.date(rnd.randint(1970, 2005), rnd.randint(1, 12), rnd.randint(1, 28))}
                           for _ in range(NAMESAKES)])
    common = add_persons(cast.ngo, [
        {"given_name": "Aysel", "family_name": "Məmmədova", "birth_date": datetime.date(1995, 6, 14)},
        {"given_name": "Aysel", "family_name": "Məmmdova", "birth_date": datetime.date(1995, 6, 14)}])
    rare = add_persons(cast.ngo, [
        {"given_name": "Xədicə", "family_name": "Zülfüqarova", "birth_date": datetime.date(1990, 3, 7)},
        {"given_name": "Xədicə", "family_name": "Zülfqarova", "birth_date": datetime.date(1990, 3, 7)}])
    result = duplicates.scan(record=False, learn=False, watch={(common[0].pk, common[1].pk), (rare[0].pk, rare[1].pk)})
    assert result.watched_compared == 2
    # the two pairs agree alike (given name exact, family name close, the same date of birth) ...
    cells = {key: watched for key, (_pairs, watched) in result.cells.items() if watched}
    assert {levels[:4] for levels, _bearers in cells} == {("exact", "close", None, "exact")}
    # ... but one on a name more than forty bear, the other on a name only the two bear: two cells, not one
    assert sorted(cells.values()) == [1, 1]
    rare_bearers, common_bearers = sorted(bearers for _levels, bearers in cells)
    assert rare_bearers == 2 and common_bearers > NAMESAKES
    levels = next(iter(cells))[0]
    assert result.u_names > 0

    def weigh(bearers):
        return duplicates.pair_weight(duplicates.matching.DEFAULT_MODEL, levels, bearers, result.persons,
                                      result.u_names)

    # agreeing on the common name says less than an unadjusted close agreement, on the rare one more
    assert weigh(common_bearers) < weigh(0) < weigh(rare_bearers)
