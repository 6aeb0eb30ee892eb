"""The three catalogs are complete: every string a person reads has its az, ru and en text."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

LANGS = ["az", "ru", "en"]
LOCALE = Path(settings.LOCALE_PATHS[0])


def catalog(lang):
    return polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_has_no_untranslated_or_fuzzy_entry(lang):
    po = catalog(lang)
    missing = [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    assert not missing, f"{len(missing)} strings lack a {lang} translation, e.g. {missing[:5]}"


@pytest.mark.parametrize("lang", LANGS)
def test_placeholders_survive_translation(lang):
    import re

    pattern = re.compile(r"%\(\w+\)[sd]|\{\w*\}|%[sd]")
    for entry in catalog(lang):
        if entry.obsolete or not entry.msgstr:
            continue
        assert sorted(pattern.findall(entry.msgid)) == sorted(pattern.findall(entry.msgstr)), entry.msgid


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext (xgettext) is not installed")
def test_every_string_in_the_code_is_in_the_catalogs(tmp_path):
    """Extract the strings afresh from a copy of the code and find none the catalogs lack."""
    source = Path(settings.BASE_DIR) / "nicat"
    shutil.copytree(source, tmp_path / "nicat", ignore=shutil.ignore_patterns("locale", "static", "__pycache__",
                                                                              "*.mo", "tests", "data"))
    shutil.copytree(LOCALE, tmp_path / "locale")
    env = {**os.environ, "NICAT_LOCALE_DIR": str(tmp_path / "locale"), "DJANGO_SETTINGS_MODULE": "nicat.settings_test",
           "PYTHONPATH": str(settings.BASE_DIR)}
    args = [sys.executable, "-m", "django", "makemessages", "--no-obsolete", "--no-location"]
    for lang in LANGS:
        args += ["-l", lang]
    subprocess.run(args, cwd=tmp_path, env=env, check=True, capture_output=True)
    for lang in LANGS:
        po = polib.pofile(str(tmp_path / "locale" / lang / "LC_MESSAGES" / "django.po"))
        missing = [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
        assert not missing, (f"{len(missing)} strings are not in the {lang} catalog, e.g. {missing[:5]}; run "
                             f"`nicat makemessages -l az -l ru -l en --no-location` and translate them")


@pytest.mark.parametrize("lang,expected", [("az", "Yeni iş"), ("ru", "Новое дело"), ("en", "New case")])
def test_catalogs_are_used(lang, expected):
    with translation.override(lang):
        assert translation.gettext("New case") == expected


@pytest.mark.parametrize("lang", LANGS)
def test_plural_entries_have_every_form_the_catalog_declares(lang):
    import re

    po = catalog(lang)
    declared = int(re.search(r"nplurals\s*=\s*(\d+)", po.metadata["Plural-Forms"]).group(1))
    short = [e.msgid for e in po if not e.obsolete and e.msgid_plural and len(e.msgstr_plural) != declared]
    assert not short, f"{lang}: these plural entries lack some of the {declared} forms: {short[:5]}"
