"""A case's "who accessed this record" (the supervisors' page, the panel on the case page) counts what was done to
the case's person too (eighth review, law 3). Before, a colleague who read the person's record through the API
(`GET /api/v1/persons/<uuid>/`: names, birth date, documents, phone, address) or changed the phone there
(`PATCH`) was in the person's subject-access report but not in the case's trail: those events name the person,
never a case."""
import pytest

from nicat.audit.selectors import case_accessors, case_trail
from tests.support.world import make_user

pytestmark = pytest.mark.django_db


def test_reading_and_changing_the_person_through_the_api_is_in_the_cases_trail(cast, api):
    case = cast.open_case(person={"given_name": "Aysel", "family_name": "Quliyeva", "phone": "+994 50 111 22 33"})
    reader = make_user("colleague.reader", cast.ngo)
    read = api(reader).get(f"/api/v1/persons/{case.person.uuid}/")
    assert read.status_code == 200 and read.json()["phone"] == "+994 50 111 22 33"
    assert "colleague.reader" in {row["actor_username"] for row in case_accessors(case=case)}, \
        "the read of the person's record is not in the case's access trail"
    editor = make_user("colleague.editor", cast.ngo)
    changed = api(editor).patch(f"/api/v1/persons/{case.person.uuid}/",
                                {"phone": "+994 55 999 88 77", "version": read.json()["version"]}, format="json")
    assert changed.status_code == 200, changed.content
    assert case_trail(case=case).filter(action="person.update", actor=editor).exists(), \
        "the change of the person's phone is not in the case's trail"
