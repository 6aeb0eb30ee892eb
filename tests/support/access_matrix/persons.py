"""Access matrix entries of the person pages and the person API (format: tests/support/matrix.py).

Search and the intake duplicate check are for case-working roles (scoped to what each may see);
the review of duplicates, merges and their undoing for the coordinator only: identification
officers and supervisors of the Main Department. Unknown or foreign objects answer 404."""
import uuid

from nicat.accounts.models import Role
from tests.support.matrix import CASE_WORKING, EVERYONE, api, page

COORDINATORS = frozenset({Role.IDENTIFICATION_OFFICER.value, Role.SUPERVISOR.value})

MATRIX = {
    # The search is POSTed; a GET carrying a term answers 400 (not a refusal) and searches nothing.
    "persons:search": page(CASE_WORKING, methods=("get", "post"), query={"q": "Matrix"}),
    "persons:candidates": page(CASE_WORKING, methods=("post",), query={"person-family_name": "Matrix"}),
    "persons:duplicates": page(COORDINATORS),
    "persons:duplicate": page(COORDINATORS, kwargs={"signal_uuid": "duplicate_signal"}),
    "persons:duplicate_merge": page(COORDINATORS, methods=("post",), kwargs={"signal_uuid": "duplicate_signal"}),
    "persons:duplicate_dismiss": page(COORDINATORS, methods=("post",), kwargs={"signal_uuid": "duplicate_signal"}),
    "persons:merges": page(COORDINATORS),
    "persons:merge_undo": page(COORDINATORS, methods=("post",), kwargs={"merge_uuid": "person_merge"}),
    "person-list": api(EVERYONE),  # scoped: an empty list for roles that never see persons
    "person-detail": api(CASE_WORKING, kwargs={"uuid": "person"}, denied=404),
    "person-search": api(CASE_WORKING, methods=("get", "post"), query={"q": "Matrix"}),  # GET: always 400
    "person-candidates": api(CASE_WORKING, methods=("post",), query={"family_name": "Matrix"}),
}


def provide_person(world, role, own):
    if not own:
        return world.foreign_case.person.uuid
    case = world.case_of(role)
    return case.person.uuid if case else None


def _signal(world):
    from nicat.persons.models import DuplicateSignal

    if "persons.signal" not in world.cache:
        a, b = world.new_case("ngo").person, world.foreign_case.person
        world.cache["persons.signal"] = DuplicateSignal.objects.system().create(
            person_a=a, person_b=b, probability=0.95, source="scan")
    return world.cache["persons.signal"]


def provide_signal(world, role, own):
    return _signal(world).uuid if own else uuid.uuid4()


def provide_merge(world, role, own):
    if not own:
        return uuid.uuid4()
    from nicat.persons.services import merge_persons

    key = f"persons.merge.{role}"
    if key not in world.cache:
        a, b = world.new_case("ngo").person, world.new_case("foreign").person
        world.cache[key] = merge_persons(actor=world.user(Role.IDENTIFICATION_OFFICER), survivor=a, merged=b,
                                         reason="Matrix")
    return world.cache[key].uuid


OBJECTS = {"person": provide_person, "duplicate_signal": provide_signal, "person_merge": provide_merge}
