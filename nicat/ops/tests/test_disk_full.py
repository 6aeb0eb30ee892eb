"""Fault: the volume that holds uploaded documents is full (issue 18, item 6). The upload gives a clear
message on the same form with what the person typed kept, and nothing is half-written: no partial file,
no row pointing at a missing file, no audit event of a save that did not happen.

The volume is a real 64 KiB tmpfs mounted for the test (we get the kernel's own ENOSPC); where mounting
is not allowed (or NICAT_TEST_NO_TMPFS=1), a storage that writes half the file and then fails with ENOSPC,
as a full disk does."""
import errno
import os
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from nicat.audit.models import AuditEvent
from nicat.consent.models import Consent, LegalBasisUse

pytestmark = [pytest.mark.django_db]

SMALL_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
LARGE_PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(300 * 1024)  # more than the volume holds, less than the 2 MB limit


def _files(root):
    return [os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files]


@pytest.fixture
def full_volume(tmp_path, monkeypatch):
    from nicat.privacy.storage import EncryptedFileSystemStorage

    volume = tmp_path / "media"
    volume.mkdir()
    mounted = os.environ.get("NICAT_TEST_NO_TMPFS") != "1" and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", str(volume)], capture_output=True).returncode == 0
    if not mounted:
        real_save = EncryptedFileSystemStorage._save

        def half_then_full(self, name, content):
            content.seek(0)
            data = content.read()
            if len(data) <= 32 * 1024:  # fits
                return real_save(self, name, SimpleUploadedFile(name, data))
            real_save(self, name, SimpleUploadedFile(name, data[: len(data) // 2]))
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(EncryptedFileSystemStorage, "_save", half_then_full)
    storages = [Consent._meta.get_field("signed_form").storage, LegalBasisUse._meta.get_field("order_copy").storage]
    for storage in storages:  # the upload fields' storage now writes to the small volume
        monkeypatch.setattr(storage, "_location", str(volume))
        for cached in ("base_location", "location"):
            storage.__dict__.pop(cached, None)
    try:
        yield volume
    finally:
        for storage in storages:
            for cached in ("base_location", "location"):
                storage.__dict__.pop(cached, None)
        if mounted:
            subprocess.run(["umount", str(volume)], check=True)


def _post(client, case, scan, note):
    return client.post(f"/consent/case/{case.uuid}/new/", {
        "purpose": "family_contact", "decision": "given", "given_by": "person", "method": "written",
        "given_at": "2026-12-01T10:00", "note": note, "signed_form": SimpleUploadedFile("scan.png", scan)},
        HTTP_ACCEPT_LANGUAGE="en")


def test_a_full_volume_gives_a_message_on_the_form_and_writes_nothing(client, cast, full_volume):
    case = cast.open_case()
    client.force_login(cast.worker)
    note = "Signed in the office, her sister present."
    response = _post(client, case, LARGE_PNG, note)
    html = response.content.decode()
    assert response.status_code == 400
    assert "There is no room left to store files on the server. Nothing was saved" in html
    assert note in html  # what she typed is still in the form
    assert not Consent.objects.system().exists() and not AuditEvent.objects.filter(action="consent.record").exists()
    assert _files(full_volume) == []  # not even the part written before the disk filled up

    # The same volume takes a file that fits: the normal path is unchanged.
    response = _post(client, case, SMALL_PNG, note)
    assert response.status_code == 302
    consent = Consent.objects.system().get()
    assert _files(full_volume) == [consent.signed_form.storage.path(consent.signed_form.name)]
    assert consent.signed_form.storage.open(consent.signed_form.name).read() == SMALL_PNG


def test_a_file_is_removed_when_its_row_is_not_saved(cast, full_volume, monkeypatch):
    from nicat.consent import services

    case = cast.open_case()

    def audit_fails(**kwargs):
        raise RuntimeError("the audit append failed")

    monkeypatch.setattr(services.audit, "record", audit_fails)
    with pytest.raises(RuntimeError):
        services.record_consent(actor=cast.worker, case=case, form_bytes=SMALL_PNG,
                                data={"purpose": "family_contact", "decision": "given", "method": "written"})
    assert not Consent.objects.system().exists() and _files(full_volume) == []  # no file without its row


def test_a_full_volume_through_the_api_is_a_field_error(cast, api, full_volume):
    import base64

    case = cast.open_case()
    answer = api(cast.worker).post("/api/v1/consents/", {
        "case": str(case.uuid), "purpose": "family_contact", "decision": "given", "method": "written",
        "signed_form": base64.b64encode(LARGE_PNG).decode()}, format="json")
    assert answer.status_code == 400 and "no room left" in str(answer.json()), answer.content[:300]
    assert not Consent.objects.system().exists() and _files(full_volume) == []
