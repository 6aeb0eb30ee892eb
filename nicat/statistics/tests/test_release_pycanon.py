"""The k = 11 CTDC release is k-anonymous by an outside measure: pycanon (a maintained k/l/t-anonymity
library) reads the released CSV and must find k >= 11 over the quasi-identifying columns, while the same
rows before suppression are far below 11 (so the check can fail).

pycanon pins numpy, pandas, typing_extensions … exactly (typing_extensions clashes with the project's
lock), so it lives in its own virtual environment, `.venv/pycanon` (requirements-pycanon.txt; `make
install-dev` creates it; docs/decisions/0008-statistics-libraries.md). It runs there as a subprocess.
"""
import csv
import datetime
import io
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from nicat.statistics.release import COLUMNS, registry_rows

QUASI = ["yearOfRegistration", "gender", "ageBroad", "majorityStatus", "majorityStatusAtExploit", "citizenship",
         "isForcedLabour", "isSexualExploit", "isOtherExploit", "isSexAndLabour", "isForcedMarriage",
         "isForcedMilitary", "isOrganRemoval", "typeOfExploitConcatenated", "CountryOfExploitation"]

MEASURE = """
import json, sys
import pandas as pd
from pycanon import anonymity
path, qi = sys.argv[1], json.loads(sys.argv[2])
df = pd.read_csv(path, dtype=str, keep_default_na=False)
print(json.dumps({"k": int(anonymity.k_anonymity(df, qi)), "rows": len(df)}))
"""


def pycanon_python():
    """The interpreter of the pycanon environment: NICAT_PYCANON_PYTHON, else .venv/pycanon beside the
    interpreter running the tests."""
    configured = os.environ.get("NICAT_PYCANON_PYTHON")
    if configured:
        return configured
    return str(Path(sys.prefix) / "pycanon" / "bin" / "python")


def pycanon_k(path):
    python = pycanon_python()
    if not Path(python).exists():
        pytest.fail(f"pycanon's environment is missing ({python}): run `make install-dev`, or "
                    f"`python3.11 -m venv {Path(python).parent.parent} && {python} -m pip install -r "
                    "requirements-pycanon.txt`")
    done = subprocess.run([python, "-c", MEASURE, str(path), json.dumps(QUASI)], capture_output=True, text=True,
                          check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _world(n=600, seed=13):
    """n cases in bulk, varied enough that many combinations are rare: years, sexes, birth years, four
    citizenships, forms and countries of exploitation."""
    from nicat.cases.models import Case
    from nicat.directory.models import Institution
    from nicat.persons.models import Person
    from nicat.vocab.models import Term

    rnd = random.Random(seed)
    inst = Institution.objects.create(code="gen-ngo", name_az="Gen NGO",
                                      kind=Term.objects.get(vocabulary="institution_kind", code="ngo"))
    genders = list(Term.objects.filter(vocabulary="gender", code__in=["feminine", "masculine"]))
    forms = list(Term.objects.filter(vocabulary="exploitation", ctdc_code__gt=""))
    countries = list(Term.objects.filter(vocabulary="country", code__in=["AZ", "TR", "AE", "RU", "GE", "IR"]))
    persons = Person.objects.system().bulk_create([
        Person(given_name=f"Secretname{i}", family_name="Family", registered_by_institution=inst,
               birth_date=datetime.date(1965 + rnd.randrange(45), 1 + rnd.randrange(12), 1 + rnd.randrange(28)),
               gender=rnd.choice(genders)) for i in range(n)])
    cases = Case.objects.system().bulk_create([
        Case(person=p, owner_institution=inst, reference=f"GEN-2024-{i:06d}",
             first_contact_at=timezone.make_aware(datetime.datetime(2019 + rnd.randrange(6), 1 + rnd.randrange(12), 3)))
        for i, p in enumerate(persons)])
    Person.citizenships.through.objects.bulk_create([
        Person.citizenships.through(person_id=p.pk, term_id=rnd.choice(countries).pk) for p in persons])
    Case.exploitation_forms.through.objects.bulk_create([
        Case.exploitation_forms.through(case_id=c.pk, term_id=rnd.choice(forms).pk) for c in cases])
    Case.countries_of_exploitation.through.objects.bulk_create([
        Case.countries_of_exploitation.through(case_id=c.pk, term_id=rnd.choice(countries).pk) for c in cases])


@pytest.mark.django_db
def test_pycanon_finds_the_k11_release_k_anonymous_and_the_unsuppressed_rows_not(tmp_path):
    _world()
    released = tmp_path / "release.csv"
    call_command("statistics", "release", "--format", "ctdc", "--k", "11", str(released), stderr=io.StringIO(),
                 stdout=io.StringIO())
    text = released.read_text(encoding="utf-8")
    assert "Secretname" not in text and "GEN-2024" not in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) > 300  # most of the world is released, with detail blanked where needed

    measured = pycanon_k(released)
    assert measured["rows"] == len(rows)
    assert measured["k"] >= 11

    # The same rows before suppression: small cells everywhere, so the measure above could fail.
    raw = tmp_path / "raw.csv"
    with raw.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(registry_rows())
    unsuppressed = pycanon_k(raw)
    assert unsuppressed["rows"] == 600
    assert unsuppressed["k"] < 11
