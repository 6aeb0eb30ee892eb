"""Uploaded files: size and type checked first, encrypted on disk under a random name, re-sealed by
rotation."""
import base64
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from nicat.privacy.crypto import DecryptionError, Keyring, keyring
from nicat.privacy.storage import SafeUploadField, encrypted_storage, random_name, validate_upload

PDF = b"%PDF-1.7\n% marker-in-file Aysel Mammadova passport C1234567\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_stored_file_is_encrypted_and_opens_again(media):
    storage = encrypted_storage()
    name = storage.save(random_name(None, "passport_Aysel.pdf"), io.BytesIO(PDF))
    assert "Aysel" not in name and name.endswith(".pdf")
    on_disk = (media / name).read_bytes()
    assert b"Aysel" not in on_disk and b"%PDF" not in on_disk and on_disk.startswith(Keyring.FILE_MAGIC)
    assert storage.open(name).read() == PDF
    with pytest.raises(ValueError):
        storage.url(name)
    with pytest.raises(ValueError):
        storage.open(name, "wb")


def test_altered_file_raises_a_clear_error(media):
    storage = encrypted_storage()
    name = storage.save("x.pdf", io.BytesIO(PDF))
    data = bytearray((media / name).read_bytes())
    data[-1] ^= 1
    (media / name).write_bytes(bytes(data))
    with pytest.raises(DecryptionError, match="failed authentication"):
        storage.open(name)


def test_rotation_reseals_files(media, settings):
    from nicat.privacy.rotation import rotate_files

    storage = encrypted_storage()
    name = storage.save("x.pdf", io.BytesIO(PDF))
    settings.NICAT_FIELD_KEYS = [base64.urlsafe_b64encode(b"n" * 32).decode(), *settings.NICAT_FIELD_KEYS]
    count = rotate_files()
    assert count.resealed == 1
    assert storage.sealed_key_id(name) == keyring().current_id
    assert storage.open(name).read() == PDF


@pytest.mark.parametrize("name,content,code", [
    ("scan.pdf", b"MZ\x90\x00 this is an exe", "file_type"),
    ("scan.exe", PDF, "file_type"),
    ("photo.png", PDF, "file_type"),  # name and content disagree
    ("empty.pdf", b"", "file_empty"),
])
def test_wrong_types_are_refused(name, content, code):
    with pytest.raises(ValidationError) as err:
        validate_upload(SimpleUploadedFile(name, content))
    assert err.value.code == code


def test_oversized_upload_is_refused_with_a_clear_message(settings):
    settings.NICAT_UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as err:
        validate_upload(SimpleUploadedFile("big.pdf", PDF + b"0" * 2048))
    assert err.value.code == "file_too_large" and "MB" in err.value.messages[0]


def test_form_field_refuses_and_accepts(settings):
    field = SafeUploadField()
    with pytest.raises(ValidationError):
        field.clean(SimpleUploadedFile("a.pdf", b"not a pdf"))
    assert field.clean(SimpleUploadedFile("a.png", PNG)).name == "a.png"


def test_storage_refuses_oversized_content_even_without_the_form(media, settings):
    settings.NICAT_UPLOAD_MAX_BYTES = 10
    with pytest.raises(ValidationError):
        encrypted_storage().save("x.pdf", io.BytesIO(PDF))
    assert not any(media.rglob("*.pdf"))
