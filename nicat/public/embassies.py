"""Azerbaijan's embassies and consulates abroad as directory entries, from `data/embassies.yaml`.

Written through the directory's one service (`save_institution`: administrators only, audited); an
institution whose code exists is left untouched, so running the loader again changes nothing.
"""
import pathlib

import yaml

from nicat.directory.models import Institution
from nicat.directory.services import save_institution
from nicat.vocab.models import Term

DATA = pathlib.Path(__file__).parent / "data" / "embassies.yaml"
FIELDS = ("code", "name_az", "name_ru", "name_en")


def entries():
    rows = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    for row in rows:
        unknown = set(row) - set(FIELDS) - {"country", "address", "phone", "email", "hours"}
        if unknown:
            raise ValueError(f"{DATA.name}: unknown keys {sorted(unknown)} in {row.get('code')!r}")
    return rows


def load_embassies(*, actor):
    """Create the embassies and consulates that are missing; returns the number created."""
    kind = Term.objects.get(vocabulary="institution_kind", code="embassy_consulate")
    abroad = Term.objects.filter(vocabulary="region", code="abroad").first()
    created = 0
    for row in entries():
        if Institution.objects.filter(code=row["code"]).exists():
            continue
        country = Term.objects.get(vocabulary="country", code=row["country"])
        institution = Institution(
            kind=kind, region=abroad, country=country, listed_publicly=True,
            **{f: row[f] for f in FIELDS},
            **{f: row.get(f) or "" for f in ("address", "phone", "email", "hours")})
        save_institution(actor=actor, institution=institution)
        created += 1
    return created
