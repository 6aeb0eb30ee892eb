"""The status certificate reads cleanly in every language (no label runs into the next row), names the
official who recorded the decision, and can be checked by anyone: the check answers only valid / not
valid. After the decision the case no longer offers a referral or another decision."""
import pytest
from django.urls import reverse

from nicat.audit.models import AuditEvent
from nicat.cases.models import Case
from nicat.identification import services
from nicat.identification.certificate import build_certificate, official_name, verification_code
from tests.support.identification import refer_with_consent
from tests.support.world import verified_login

pytestmark = pytest.mark.django_db


def _recognise(cast, case):
    cast.officer.first_name, cast.officer.last_name = "Rauf", "Əliyev"
    cast.officer.save()
    refer_with_consent(cast.worker, case)
    case = Case.objects.system().get(pk=case.pk)
    services.record_decision(actor=cast.officer, case=case, expected_version=case.version, decision={
        "outcome": "recognised", "documents": [{"title": "Inquiry report"}], "certificate_language": "en"})
    case = Case.objects.system().get(pk=case.pk)
    return case, case.identification.decision


@pytest.mark.parametrize("language", ["az", "ru", "en"])
def test_rows_never_overlap_and_the_official_is_named(cast, foreign_case, language):
    case, decision = _recognise(cast, foreign_case)
    pdf = build_certificate(case=case, person=case.person, decision=decision, language=language)
    boxes = pdf.row_boxes
    assert len(boxes) == 8
    for (_top, bottom), (next_top, _b) in zip(boxes, boxes[1:]):
        assert next_top >= bottom, "a label that wraps runs into the next row"
    # The English "Family name, given name, patronymic" wraps to two lines in its column: its row is taller.
    if language == "en":
        assert boxes[0][1] - boxes[0][0] > 7
    assert official_name(decision) == "Rauf Əliyev"


def test_english_certificate_dates_are_year_first(cast, foreign_case):
    from nicat.identification.certificate import _date

    case, decision = _recognise(cast, foreign_case)
    assert _date(decision.decided_on, "en") == decision.decided_on.isoformat()
    assert _date(decision.decided_on, "ru") == decision.decided_on.strftime("%d.%m.%Y")


def test_anyone_can_check_a_certificate_and_learns_only_valid_or_not(client, cast, foreign_case):
    case, decision = _recognise(cast, foreign_case)
    code = verification_code(decision)
    url = reverse("identification:verify")
    page = client.get(url, {"number": decision.certificate_number, "code": code.lower().replace("-", " ")})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-valid="yes"' in html
    for secret in ("Məmmədova", "Aysel", case.person.full_name):
        assert secret not in html
    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")
    assert 'data-valid="no"' in client.get(url, {"number": decision.certificate_number, "code": wrong}).content.decode()
    assert 'data-valid="no"' in client.get(url, {"number": "NCT-1-1", "code": "x"}).content.decode()
    assert [e.details["valid"] for e in AuditEvent.objects.filter(action="identification.certificate.verify")
            .order_by("pk")] == [True, False, False]


def test_a_superseded_or_refused_decision_does_not_verify(cast, foreign_case):
    case, decision = _recognise(cast, foreign_case)
    services.record_decision(actor=cast.officer, case=case, expected_version=case.version, decision={
        "outcome": "not_recognised", "reason": "Facts did not hold", "documents": [{"title": "Second report"}]})
    assert not services.verify_certificate(number=decision.certificate_number, code=verification_code(decision))


def test_after_the_decision_the_case_offers_no_referral_and_no_second_decision(client, cast, foreign_case):
    refer_url = reverse("identification:refer", args=[foreign_case.uuid])
    decide_url = reverse("identification:decide", args=[foreign_case.uuid])
    verified_login(client, cast.officer)
    case, _decision = _recognise(cast, foreign_case)
    html = client.get(reverse("cases:detail", args=[case.uuid])).content.decode()
    assert decide_url not in html and refer_url not in html
    verified_login(client, cast.worker)
    html = client.get(reverse("cases:detail", args=[case.uuid])).content.decode()
    assert refer_url not in html


def test_an_anonymous_script_cannot_flood_the_audit_trail_through_the_certificate_check(client, settings, cast,
                                                                                      foreign_case):
    """Every check is an event in the hash-chained trail, and anyone may check without signing in: a script
    guessing numbers appended an event per request, each under the chain's lock that every change of every
    user waits for. Past a limit per address and hour the check answers 429 saying so, and records nothing."""
    from django.core.cache import cache

    cache.clear()
    settings.NICAT_CERTIFICATE_CHECKS_PER_HOUR = 3
    case, decision = _recognise(cast, foreign_case)
    url = reverse("identification:verify")
    for i in range(3):
        assert client.get(url, {"number": f"NCT-2026-{i:06d}-ABCDEF12", "code": "AAAA-BBBB-CCCC-DDDD"}
                          ).status_code == 200
    before = AuditEvent.objects.filter(action="identification.certificate.verify").count()
    assert before == 3
    for _attempt in range(20):
        page = client.get(url, {"number": decision.certificate_number, "code": verification_code(decision)})
        assert page.status_code == 429
    assert 'data-valid' not in page.content.decode() and 'data-testid="verify-limited"' in page.content.decode()
    assert AuditEvent.objects.filter(action="identification.certificate.verify").count() == before
    # The form itself (no number, no code) still opens; another address still checks.
    assert client.get(url).status_code == 200
    other = client.get(url, {"number": decision.certificate_number, "code": verification_code(decision)},
                       REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 200 and 'data-valid="yes"' in other.content.decode()
    cache.clear()


def test_a_printed_certificate_stays_genuine_when_the_secret_key_is_regenerated(client, settings, cast, foreign_case):
    """docs/operations.md: SECRET_KEY "may be regenerated — sessions end; nothing else". The code printed on
    every certificate was a keyed hash under SECRET_KEY: once it was regenerated, every recognised victim's
    genuine certificate was answered "not valid" to the police or the border officer checking it."""
    from nicat.privacy.crypto import new_key

    case, decision = _recognise(cast, foreign_case)
    printed = verification_code(decision)
    settings.SECRET_KEY = "regenerated-" + new_key()
    assert services.verify_certificate(number=decision.certificate_number, code=printed)
    assert verification_code(decision) == printed  # a reprint carries the same code
    # The field keys rotate (the new one first, the old ones kept): what was printed before still checks.
    settings.NICAT_FIELD_KEYS = [new_key(), *settings.NICAT_FIELD_KEYS]
    assert services.verify_certificate(number=decision.certificate_number, code=printed)
    assert not services.verify_certificate(number=decision.certificate_number, code="AAAA-BBBB-CCCC-DDDD")


def test_a_certificate_printed_before_the_codes_moved_off_secret_key_still_checks(cast, foreign_case):
    """Certificates printed before: their code is the keyed hash under SECRET_KEY; it checks while it is kept."""
    import base64

    from django.utils.crypto import salted_hmac

    case, decision = _recognise(cast, foreign_case)
    digest = salted_hmac("nicat.identification.certificate", str(decision.uuid), algorithm="sha256").digest()
    old = base64.b32encode(digest).decode()[:16]
    assert services.verify_certificate(number=decision.certificate_number, code=old)


def test_the_certificate_check_sets_no_cookie_for_an_anonymous_visitor(client, cast, foreign_case):
    """A police or border officer (or anyone) checking a printed certificate is a visitor of the public site: no
    cookie (docs/public-site.md), whatever the answer and in every language; a signed-in member of staff still
    checks from their own layout."""
    from django.core.cache import cache

    cache.clear()
    case, decision = _recognise(cast, foreign_case)
    url = reverse("identification:verify")
    good = {"number": decision.certificate_number, "code": verification_code(decision)}
    for query, valid in (({}, None), (good, "yes"), ({"number": "NCT-1-1", "code": "x"}, "no"),
                         ({**good, "lang": "ru"}, "yes"), ({"lang": "az"}, None)):
        page = client.get(url, query)
        assert page.status_code == 200
        assert not page.cookies and "Set-Cookie" not in page.headers, (query, page.cookies)
        html = page.content.decode()
        assert "csrf" not in html.lower()
        if valid:
            assert f'data-valid="{valid}"' in html
    # its languages: the browser's, or the public site's `?lang=` (kept by the form), never a cookie
    for page in (client.get(url, {"lang": "ru"}), client.get(url, HTTP_ACCEPT_LANGUAGE="ru")):
        assert "Проверить справку о статусе" in page.content.decode() and not page.cookies
    verified_login(client, cast.worker)
    page = client.get(url, good)
    assert page.status_code == 200 and 'data-valid="yes"' in page.content.decode()
    assert reverse("web:logout") in page.content.decode()  # the staff layout, its sign-out form
