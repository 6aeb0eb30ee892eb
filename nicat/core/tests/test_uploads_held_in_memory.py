"""An uploaded file never lies in clear on the server's disk (law 1).

Django's default upload handlers write a file larger than 2.5 MB to a plain temporary file while the request
runs (and leave it there if the worker is killed): a copy of a court order naming the victim, or an HTCDS file
of many persons. Each test looks at the server's temporary directory while the service is handling the upload
and fails with Django's default handlers."""
import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from nicat.cases.models import Case
from nicat.identification.models import Identification
from tests.support.world import term, verified_login

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n"
NAME = "Nəzakət Məmmədova"
BIG = 3 * 1024 * 1024  # above Django's 2.5 MB, below every limit of Nicat's


@pytest.fixture
def on_disk(settings, tmp_path):
    """The server's temporary directory for uploads, and a look at it: every file there with its bytes."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)

    def look():
        return {p.name: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    return look


def _watch(monkeypatch, module, name, look, seen):
    real = getattr(module, name)

    def watched(*args, **kwargs):
        seen.append(look())
        return real(*args, **kwargs)
    monkeypatch.setattr(module, name, watched)


def _copy(size):
    """A PNG of `size` bytes that names the woman."""
    head = PNG + NAME.encode()
    return head + b"\x00" * (size - len(head))


def _refer_with_a_court_order(client, case, copy):
    return client.post(reverse("identification:refer", args=[case.uuid]), {
        "legal_basis": "court_order", "legal_basis_reason": "The court ordered the inquiry.",
        "legal_basis_issuing_body": "Baku Court", "legal_basis_order_number": "3-7/2026",
        "legal_basis_order_date": str(timezone.localdate()), "legal_basis_sections": ["identity"],
        "legal_basis_copy": SimpleUploadedFile("order.png", copy, content_type="image/png")})


@pytest.fixture
def adult_case(cast):
    born = timezone.localdate() - datetime.timedelta(days=30 * 365)
    return cast.open_case(person={"birth_date": born, "citizenships": [term("country", "AZ")]})


def test_a_court_orders_copy_of_3_mb_is_never_written_in_clear_to_a_temporary_file(cast, adult_case, client,
                                                                                    on_disk, monkeypatch):
    from nicat.consent import services as consent_services

    seen = []
    _watch(monkeypatch, consent_services, "sniff_copy", on_disk, seen)
    verified_login(client, cast.worker)
    copy = _copy(BIG)
    response = _refer_with_a_court_order(client, adult_case, copy)
    assert response.status_code == 302
    assert seen and seen[0] == {}, "the uploaded copy lay on the server's disk, in clear, while it was handled"
    use = Identification.objects.system().get(case=adult_case).legal_basis_use
    assert use.copy_size == BIG  # all of it was received and kept (sealed)


def test_a_file_larger_than_any_limit_is_refused_by_its_own_check_and_never_held_whole(cast, adult_case, client,
                                                                                       on_disk, settings,
                                                                                       monkeypatch):
    from nicat.consent import services as consent_services

    settings.NICAT_UPLOAD_MAX_BYTES = 1024 * 1024
    settings.NICAT_UPLOAD_HOLD_BYTES = 1024 * 1024 + 1
    lengths = []
    real = consent_services.sniff_copy
    monkeypatch.setattr(consent_services, "sniff_copy", lambda data: (lengths.append(len(data)), real(data))[1])
    verified_login(client, cast.worker)
    response = _refer_with_a_court_order(client, adult_case, _copy(BIG))
    assert response.status_code == 400
    assert "1 MB" in response.context["form"].errors["legal_basis_copy"][0]
    assert lengths == [1024 * 1024 + 1]  # the rest of the 3 MB was read and dropped, not kept in memory
    assert on_disk() == {} and not Identification.objects.system().filter(case=adult_case).exists()


def test_an_htcds_file_of_3_mb_is_never_written_in_clear_to_a_temporary_file(cast, api, on_disk, monkeypatch):
    from nicat.exchange import services as exchange_services
    from tests.support.referrals import build_world

    world = build_world(cast)
    seen = []
    _watch(monkeypatch, exchange_services, "import_for", on_disk, seen)
    record = {"nct_OwnerInstitution": world.ngo.code, "nct_FirstContact": "2026-01-05T10:00:00+00:00",
              "prs_FirstName": "Nəzakət", "prs_SecondName": "Məmmədova"}
    text = json.dumps({"cases": [record]}, ensure_ascii=False)
    body = (text + " " * (BIG - len(text.encode()))).encode()  # JSON allows the trailing blanks
    before = Case.objects.system().count()
    answer = api(world.ca_supervisor).post("/api/v1/exchange/htcds/", {"file": SimpleUploadedFile(
        "in.json", body, content_type="application/octet-stream")}, format="multipart")
    assert answer.status_code == 201, answer.content
    assert answer.json()["cases"] == 1 and Case.objects.system().count() == before + 1
    assert seen and seen[0] == {}, "the persons of the HTCDS file lay on the server's disk, in clear"
