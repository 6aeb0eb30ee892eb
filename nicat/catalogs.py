"""Compile the gettext catalogs (.po → .mo) with polib, so that no system gettext is needed.

Runs without Django settings (`python -m nicat.catalogs`), so `make` can compile before any
secret is configured; `nicat compiletranslations` calls the same function.
"""
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def compile_catalogs(base=LOCALE_DIR):
    count = 0
    for po_path in Path(base).glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        count += 1
    return count


if __name__ == "__main__":
    print(f"{compile_catalogs()} catalog(s) compiled.")
