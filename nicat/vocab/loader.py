"""Load the reference vocabularies from `nicat/vocab/data/<vocabulary>.yaml` into `Term`.

`load_all(Term)` takes the model class so that a data migration can pass the historical model
(`apps.get_model("vocab", "Term")`). It upserts by (vocabulary, code):

* a code new to the file is created;
* an existing term gets the file's labels, HTCDS/CTDC codes and order, and is reactivated;
* a term whose code is no longer in its file is marked `active=False`, never deleted, because
  cases and persons point at it.

Every file is validated before anything is written; a broken file raises `ValueError` naming
the file and the entry, and the database is left as it was.

Each file is a YAML list of mappings `{code, az, ru, en, htcds?, ctdc?}`; the list order is the
display order (`sort`). Every vocabulary of `Vocabulary` must have its file.
"""
import pathlib
import re

import yaml
from django.db import transaction

from nicat.vocab.models import Vocabulary

DATA_DIR = pathlib.Path(__file__).resolve().parent / "data"

REQUIRED = ("code", "az", "ru", "en")
OPTIONAL = ("htcds", "ctdc")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
MAX_LENGTH = {"code": 64, "az": 255, "ru": 255, "en": 255, "htcds": 128, "ctdc": 128}
FIELD = {"az": "label_az", "ru": "label_ru", "en": "label_en", "htcds": "htcds_code", "ctdc": "ctdc_code"}


def read_file(path):
    """Parse and validate one vocabulary file; return its list of entries (dicts of strings)."""
    path = pathlib.Path(path)
    name = path.name
    if path.stem not in Vocabulary.values:
        raise ValueError(f"{name}: unknown vocabulary {path.stem!r} (known: {', '.join(Vocabulary.values)})")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"{name}: not valid YAML: {exc}") from exc
    if not isinstance(data, list) or not data:
        raise ValueError(f"{name}: expected a non-empty list of entries")
    entries, seen = [], {}
    for position, raw in enumerate(data, start=1):
        where = f"{name}: entry {position}"
        if not isinstance(raw, dict):
            raise ValueError(f"{where}: expected a mapping with keys {', '.join(REQUIRED + OPTIONAL)}")
        if isinstance(raw.get("code"), str):
            where += f" (code {raw['code']!r})"
        unknown = sorted(str(k) for k in raw if k not in REQUIRED + OPTIONAL)
        if unknown:
            raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)}")
        entry = {}
        for key in REQUIRED + OPTIONAL:
            value = raw.get(key)
            if value is None:
                value = ""
            if not isinstance(value, str):
                # YAML turns bare `no`, `on`, `1` into booleans/numbers: quote such codes.
                raise ValueError(f"{where}: {key} must be a string, got {value!r} (quote it in YAML)")
            value = value.strip()
            if key in REQUIRED and not value:
                raise ValueError(f"{where}: missing {key}" + (" label" if key != "code" else ""))
            if len(value) > MAX_LENGTH[key]:
                raise ValueError(f"{where}: {key} longer than {MAX_LENGTH[key]} characters")
            entry[key] = value
        if not CODE_RE.match(entry["code"]):
            raise ValueError(f"{where}: code may contain only letters, digits, '_' and '-'")
        if entry["code"] in seen:
            raise ValueError(f"{where}: duplicate code {entry['code']!r} (first at entry {seen[entry['code']]})")
        seen[entry["code"]] = position
        entry["sort"] = position
        entries.append(entry)
    return entries


def read_all(data_dir=None):
    """Validate every file of `data_dir`; return {vocabulary: [entries]}."""
    data_dir = pathlib.Path(data_dir or DATA_DIR)
    files = sorted(data_dir.glob("*.yaml")) + sorted(data_dir.glob("*.yml"))
    result = {}
    for path in files:
        entries = read_file(path)
        if path.stem in result:
            raise ValueError(f"{path.name}: vocabulary {path.stem!r} has more than one file")
        result[path.stem] = entries
    missing = [v for v in Vocabulary.values if v not in result]
    if missing:
        raise ValueError(f"{data_dir}: no data file for vocabulary {', '.join(missing)}")
    return result


def load_all(Term, data_dir=None, using=None):
    """Upsert every vocabulary file into `Term`; return counts of what changed.

    `Term` is the model class (the historical one in migrations); `using` is the database alias.
    Returns {"created": n, "updated": n, "deactivated": n, "unchanged": n}.
    """
    vocabularies = read_all(data_dir)
    counts = {"created": 0, "updated": 0, "deactivated": 0, "unchanged": 0}
    manager = Term._default_manager.db_manager(using)
    with transaction.atomic(using=manager.db):
        for vocabulary, entries in vocabularies.items():
            existing = {t.code: t for t in manager.filter(vocabulary=vocabulary)}
            to_create, to_update = [], []
            for entry in entries:
                values = {FIELD[k]: entry[k] for k in FIELD}
                values["sort"] = entry["sort"]
                values["active"] = True
                term = existing.pop(entry["code"], None)
                if term is None:
                    to_create.append(Term(vocabulary=vocabulary, code=entry["code"], **values))
                    continue
                changed = [f for f, v in values.items() if getattr(term, f) != v]
                if changed:
                    for f in changed:
                        setattr(term, f, values[f])
                    to_update.append(term)
                else:
                    counts["unchanged"] += 1
            gone = [t for t in existing.values() if t.active]
            for term in gone:
                term.active = False
            counts["unchanged"] += len(existing) - len(gone)
            manager.bulk_create(to_create)
            fields = ["label_az", "label_ru", "label_en", "htcds_code", "ctdc_code", "sort", "active"]
            manager.bulk_update(to_update + gone, fields)
            counts["created"] += len(to_create)
            counts["updated"] += len(to_update)
            counts["deactivated"] += len(gone)
    return counts
