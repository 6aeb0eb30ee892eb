"""A column read whole (`stored()` + `from_db_values()`) opens to exactly what the ORM gives row by row —
values sealed under the field keys and under persons' own keys, empty values, erased persons — and the
person keys are unwrapped a few hundred at a time, not one query per person."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nicat.persons.erasure import erase_person
from nicat.persons.models import Person
from nicat.privacy import personkeys
from nicat.privacy.crypto import DecryptionError
from nicat.privacy.fields import Sealed, stored


@pytest.mark.django_db
def test_a_column_read_whole_opens_like_the_orm_row_by_row(cast):
    cases = [cast.open_case(person={"given_name": f"Name{i}", "birth_date": datetime.date(1980 + i, 1 + i % 12, 3)})
             for i in range(6)]
    cases.append(cast.open_case(person={"given_name": "Noage", "estimated_age": 20}))  # no birth date
    erase_person(actor=None, person=cases[2].person, basis="request")
    # One sealed under the field keys (a person registered before person keys existed, or bulk-loaded).
    Person.objects.system().filter(pk=cases[0].person_id).update(birth_date=datetime.date(1975, 5, 5))
    field = Person._meta.get_field("birth_date")
    rows = list(Person.objects.system().order_by("pk").values_list("pk", stored("birth_date")))
    assert any(v.startswith("enc1:") for _, v in rows) and any(v.startswith("enc2:") for _, v in rows)

    personkeys.forget_cache()
    with CaptureQueriesContext(connection) as queries:
        opened = field.from_db_values(v for _, v in rows)
    assert len(queries) == 1  # every person key of the column in one query

    by_orm = list(Person.objects.system().order_by("pk").values_list("birth_date", flat=True))
    assert opened == by_orm
    assert datetime.date(1975, 5, 5) in opened and opened.count(None) == 2  # the erased one and the estimate


@pytest.mark.django_db
def test_a_tampered_value_in_a_column_read_whole_is_an_error_not_data(cast):
    case = cast.open_case(person={"birth_date": datetime.date(1990, 1, 1)})
    Person.objects.system().filter(pk=case.person_id).update(birth_date=datetime.date(1991, 1, 1))  # enc1
    field = Person._meta.get_field("birth_date")
    value = Person.objects.system().values_list(stored("birth_date"), flat=True).get(pk=case.person_id)
    forged = value[:-6] + ("A" if value[-6] != "A" else "B") + value[-5:]
    with pytest.raises(DecryptionError):
        field.from_db_values([forged])


def _cold_count(read):
    """What `read()` gives and the queries it asks, with every person key of this process forgotten (a worker that
    has just started, or one whose keys are older than personkeys.KEY_TTL)."""
    personkeys.forget_cache()
    with CaptureQueriesContext(connection) as queries:
        result = read()
    return result, len(queries)


@pytest.mark.django_db
def test_a_queryset_read_cold_unwraps_the_person_keys_of_its_rows_in_one_query(cast):
    from nicat.cases.models import Case

    cases = [cast.open_case(person={"given_name": f"Cold{i}"}) for i in range(6)]
    assert all(personkeys.is_person_sealed(v) for v in Person.objects.system().values_list(
        stored("given_name"), flat=True))
    persons, asked = _cold_count(lambda: list(Person.objects.system().order_by("pk")))
    assert [p.given_name for p in persons] == [f"Cold{i}" for i in range(6)]
    assert asked == 2  # the rows, then every key they are sealed under: not one query per person

    # The person joined to her case (select_related), a column named in values_list(): the same.
    joined, asked = _cold_count(lambda: list(Case.objects.system().filter(pk__in=[c.pk for c in cases])
                                             .select_related("person").order_by("pk")))
    assert [c.person.given_name for c in joined] == [f"Cold{i}" for i in range(6)] and asked == 2
    names, asked = _cold_count(lambda: list(Person.objects.system().order_by("pk").values_list("given_name", flat=True)))
    assert names == [f"Cold{i}" for i in range(6)] and asked == 2

    # Read as a stream (.iterator()), the keys are unwrapped chunk by chunk: one query per chunk of rows.
    streamed, asked = _cold_count(lambda: [p.given_name for p in Person.objects.system().order_by("pk").iterator(
        chunk_size=3)])
    assert streamed == [f"Cold{i}" for i in range(6)] and asked == 1 + 2


@pytest.mark.django_db
def test_an_erased_person_in_a_list_read_cold_reads_as_empty(cast):
    cases = [cast.open_case(person={"given_name": f"Kept{i}"}) for i in range(3)]
    sealed = Person.objects.system().values_list(stored("given_name"), flat=True).get(pk=cases[1].person_id)
    erase_person(actor=None, person=cases[1].person, basis="request")
    # Her value as it was sealed, left where a list reads it: her key is destroyed, so it opens to nothing.
    Person.objects.system().filter(pk=cases[1].person_id).update(given_name=Sealed(sealed))
    persons, _asked = _cold_count(lambda: list(Person.objects.system().order_by("pk")))
    assert [p.given_name for p in persons] == ["Kept0", "", "Kept2"]


@pytest.mark.django_db
def test_erased_persons_in_a_list_read_cold_ask_no_query_each(cast, settings, tmp_path, monkeypatch,
                                                              django_capture_on_commit_callbacks):
    """A list that shows erased persons — a value still sealed under an erased person's destroyed key, as the audit
    trail's copies of her case's texts are — asked the database once more for each of them, every time it was read:
    her key is absent, so the one query of the list's keys found nothing to keep. The erasure ledger (written when
    an erasure commits) names her key; a process that has read it knows the key is gone without asking."""
    settings.NICAT_ERASURE_LEDGER = str(tmp_path / "erased-person-keys.txt")
    monkeypatch.setattr(personkeys, "LEDGER_LOOK_EVERY", 0)  # the half second between two looks has passed
    cases = [cast.open_case(person={"given_name": f"Kept{i}"}) for i in range(6)]
    erased = cases[1::2]
    sealed = {c.person_id: Person.objects.system().values_list(stored("given_name"), flat=True).get(pk=c.person_id)
              for c in erased}
    with django_capture_on_commit_callbacks(execute=True):
        for case in erased:
            erase_person(actor=None, person=case.person, basis="request")
    for pk, value in sealed.items():
        Person.objects.system().filter(pk=pk).update(given_name=Sealed(value))

    persons, asked = _cold_count(lambda: list(Person.objects.system().order_by("pk")))
    assert [p.given_name for p in persons] == ["Kept0", "", "Kept2", "", "Kept4", ""]
    assert asked == 2  # the rows and the kept persons' keys; none for the three erased (5 before)
    persons, asked = _cold_count(lambda: list(Person.objects.system().order_by("pk")))
    assert asked == 2  # read again: the same


def test_the_wrapped_results_iter_takes_what_djangos_takes():
    """The cold-key unwrapping wraps Django's private `SQLCompiler.results_iter` and calls it with the arguments it
    knows. Should an upgrade of Django change that method's parameters, the wrapper would pass the wrong ones or drop
    a new one silently: this fails first, naming both signatures."""
    import inspect

    from django.db.models.sql.compiler import SQLCompiler

    wrapper = SQLCompiler.results_iter
    assert getattr(wrapper, "unwraps_person_keys", False), "PrivacyConfig.ready installs the wrapper"
    ours, djangos = inspect.signature(wrapper, follow_wrapped=False), inspect.signature(wrapper.__wrapped__)
    assert ours == djangos, f"Django's results_iter is now {djangos}; the wrapper (nicat.privacy.fields) takes {ours}"
