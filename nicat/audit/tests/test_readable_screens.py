"""Audit screens people can read (issue 15, item 9): every action in words in az/ru/en, people by full name
and institution, one row per person in "who accessed this record", break-glass reasons for reviewers."""
import re
from pathlib import Path

from django.urls import reverse
from django.utils import translation

from nicat.audit import actions
from tests.support.world import make_user, verified_login

SOURCE = Path(__file__).resolve().parents[2]


def _recorded_codes():
    """Every literal action code handed to the audit trail anywhere in the package (not the tests)."""
    codes = set()
    patterns = (r'action="([a-z_]+\.[a-z_.]+)"', r'_audit\([a-z_]+, "([a-z_]+\.[a-z_.]+)"',
                r'action = "([a-z_]+\.[a-z_.]+)"', r'else "([a-z_]+\.[a-z_.]+)"', r'"([a-z_]+\.[a-z_.]+)" if ',
                r'"(case\.person_merge[a-z_]*)"')
    for path in SOURCE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if "record(" not in text and "_audit(" not in text and "action" not in text:
            continue
        for pattern in patterns:
            codes.update(re.findall(pattern, text))
    # f"{self.audit_name}.list/.view" of the assistance API
    names = set(re.findall(r'audit_name = "([a-z_]+)"', (SOURCE / "assistance" / "api.py").read_text()))
    codes.update(f"{n}.{suffix}" for n in names if n for suffix in ("list", "view"))
    return {c for c in codes if not c.startswith(("nicat.", "django."))}


def test_every_recorded_action_has_words():
    missing = sorted(c for c in _recorded_codes() if c not in actions.LABELS)
    assert not missing, f"Give these audit actions a label in nicat/audit/actions.py: {missing}"


def test_labels_in_three_languages():
    for language, text in (("en", "Viewed the case"), ("az", "İşə baxdı"), ("ru", "Просмотрел дело")):
        with translation.override(language):
            assert actions.label("case.view") == text
    with translation.override("en"):
        assert actions.label("stay.view") == "Viewed a stay"
        assert actions.label("brand_new.view") == "Viewed: brand_new"


def test_who_accessed_lists_each_person_once_by_name_and_institution(client, cast):
    from nicat.audit.services import record

    cast.worker.first_name, cast.worker.last_name = "Aygün", "Rzayeva"
    cast.worker.save()
    case = cast.open_case()
    # Events with and without the institution: once they made two rows for the same person.
    record(actor=cast.worker, action="case.view", obj=case, case=case)
    record(actor=cast.worker, action="case.view", obj=case, case=case, institution=cast.ngo)
    supervisor = make_user("ngo.supervisor", cast.ngo, "supervisor", first_name="Fuad", last_name="Abbasov")
    verified_login(client, supervisor)
    client.cookies["nicat_language"] = "en"
    page = client.get(reverse("audit:case", args=[case.uuid])).content.decode()
    rows = page.split('data-testid="case-accessor"')[1:]
    worker_rows = [r for r in rows if "Aygün Rzayeva" in r]
    assert len(worker_rows) == 1
    assert cast.ngo.name in worker_rows[0]
    assert ">worker<" not in page  # the user name is not what a person reads
    events = page.split("Events</h2>", 1)[1]
    assert "Viewed the case" in events, re.findall(r"data-action=\"([^\"]+)\">([^<]+)<", events)
    assert not re.search(r">\s*case\.view\s*<", events)


def test_the_trail_in_azerbaijani(client, cast):
    from nicat.audit.services import record

    case = cast.open_case()
    record(actor=cast.worker, action="case.view", obj=case, case=case, institution=cast.ngo)
    supervisor = make_user("ngo.supervisor", cast.ngo, "supervisor")
    verified_login(client, supervisor)
    client.cookies["nicat_language"] = "az"
    page = client.get(reverse("audit:trail")).content.decode()
    assert "İşə baxdı" in page and "İşi qeydiyyata aldı" in page


def test_break_glass_reason_shown_to_the_reviewer(client, cast):
    from nicat.access.services import open_break_glass

    case = cast.open_case()
    outsider = make_user("ngo2.supervisor", cast.ngo2, "supervisor")
    open_break_glass(actor=outsider, case_reference=case.reference,
                     reason="Night call: the person is at the border post and asks for us.")
    reviewer = make_user("ngo.supervisor", cast.ngo, "supervisor")
    verified_login(client, reviewer)
    client.cookies["nicat_language"] = "en"
    page = client.get(reverse("audit:case", args=[case.uuid])).content.decode()
    cell = page.split('data-testid="break-glass-reason"', 1)[1].split("</td>", 1)[0]
    assert "Night call: the person is at the border post" in cell
    assert "Opened a case in an emergency" in page
