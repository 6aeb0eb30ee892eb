"""Keeping a person's blind indexes and fuzzy tokens in step with the encrypted fields.

Called by the person services inside their transaction (and by `nicat persons reindex` after the
index key changed). Only keyed values are written; the plain values stay in memory.
"""
from nicat.privacy import indexes

INDEX_SOURCE_FIELDS = ("given_name", "family_name", "patronymic", "aliases", "birth_date", "birth_date_is_estimate",
                       "estimated_age", "age_recorded_on", "documents", "phone", "address")


def person_data(person) -> dict:
    """The plain fields of a (decrypted) person that the indexes and the ranking use."""
    data = {f: getattr(person, f) for f in INDEX_SOURCE_FIELDS}
    data["gender"] = person.gender.code if person.gender_id else ""
    return data


def every_person():
    """Every person of the registry, oldest first."""
    from nicat.persons.models import Person

    # whole table: `nicat persons reindex` recomputes every person's tokens after the index key changed,
    # and the benchmark generator continues after the last person
    return Person.objects.system().order_by("pk")


def reindex(person):
    from nicat.persons.models import Person, PersonToken

    data = person_data(person)
    exact = indexes.exact_indexes(data)
    Person.objects.row(person).update(**exact)
    for name, value in exact.items():
        setattr(person, name, value)
    wanted = indexes.person_tokens(data)
    current = set(PersonToken.objects.of(person).values_list("kind", "token"))
    stale = current - wanted
    if stale:
        PersonToken.objects.of(person).filter(token__in=[t for _, t in stale]).delete()
    fresh = wanted - current
    if fresh:
        PersonToken.objects.bulk_create(
            [PersonToken(person=person, kind=kind, token=tok) for kind, tok in fresh], batch_size=500)
    return person
