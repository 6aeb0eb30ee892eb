"""Screenshots of the main pages in each language, for docs/screenshots/ (issue 15).

    /work/main/.venv/bin/python tools/screenshots.py

Runs itself under pytest (the test database, the live server and the test cast of the browser tests;
nothing touches var/nicat.sqlite3), signs in with the second factor like a person, and saves PNGs
reduced to 256 colours (modest size: the whole set stays under 3 MB). Needs Chromium, like the
browser tests. The people and cases in the pictures are invented.
"""
import io
import sys
from pathlib import Path

import pytest

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
LANGUAGES = ("az", "ru", "en")


def _save(page, name, full_page=False):
    from PIL import Image

    png = page.screenshot(full_page=full_page)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    if full_page and image.height > 2400:
        image = image.crop((0, 0, image.width, 2400))
    image = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    OUT.mkdir(parents=True, exist_ok=True)
    image.save(OUT / f"{name}.png", optimize=True)


def _world(cast):
    import datetime

    from django.utils import timezone

    from nicat.cases.services import add_event, add_note
    from tests.support.identification import refer_with_consent
    from tests.support.world import term

    case = cast.open_case(person={"given_name": "Aysel", "family_name": "Məmmədova"},
                          summary="Recruited online for hotel work abroad; documents taken on arrival.")
    add_event(actor=cast.worker, case=case, data={
        "kind": "recruitment", "country": term("country", "AZ"), "place": "Sumqayıt",
        "date_from": timezone.localdate() - datetime.timedelta(days=120), "date_to": None, "description": "Online advert"})
    add_note(actor=cast.worker, case=case, text="First meeting at the NGO office; an interpreter was not needed.")
    referred = cast.open_case(person={"given_name": "Leyla", "family_name": "Həsənova"})
    refer_with_consent(cast.worker, referred)
    return case, referred


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_screenshots(browser, live_server, cast):
    from django.urls import reverse

    from nicat.accounts.tests.helpers import complete_sign_in

    case, referred = _world(cast)
    pages = [("dashboard", cast.worker, "/"),
             ("case", cast.worker, reverse("cases:detail", args=[case.uuid])),
             ("screening", cast.worker, reverse("identification:screening_new", args=[case.uuid])),
             ("referral", cast.worker, reverse("referrals:new", args=[case.uuid])),
             ("decision", cast.officer, reverse("identification:decide", args=[referred.uuid]))]
    for language in LANGUAGES:
        for width, height, suffix in ((1280, 860, ""), (390, 844, "-phone")):
            context = browser.new_context(viewport={"width": width, "height": height}, locale="az-AZ")
            page = context.new_page()
            page.set_default_timeout(20000)
            signed_in = None
            for name, user, path in pages:
                if suffix and name not in ("case", "screening"):
                    continue
                if signed_in is not user:
                    context.clear_cookies()
                    complete_sign_in(page, live_server, user, language)
                    signed_in = user
                page.goto(live_server.url + path)
                page.wait_for_load_state("networkidle")
                _save(page, f"{name}-{language}{suffix}")
            context.close()


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider", "-o", "python_files=screenshots.py",
                          "--rootdir", str(Path(__file__).resolve().parent.parent)]))
