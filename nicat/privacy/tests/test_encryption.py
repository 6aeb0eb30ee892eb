"""Identifying values are sealed with AES-GCM before they reach the database."""
import base64

import pytest
from django.db import connection
from django.test import override_settings

from nicat.privacy.crypto import DecryptionError, Keyring, blind_index, keyring

KEY_A = base64.urlsafe_b64encode(b"a" * 32).decode()
KEY_B = base64.urlsafe_b64encode(b"b" * 32).decode()


def test_round_trip_and_random_nonce():
    ring = Keyring([KEY_A])
    one, two = ring.encrypt("Məmmədova", "t.c"), ring.encrypt("Məmmədova", "t.c")
    assert one != two and "Məmmədova" not in one
    assert ring.decrypt(one, "t.c") == "Məmmədova"


def test_value_moved_to_another_column_does_not_open():
    ring = Keyring([KEY_A])
    with pytest.raises(DecryptionError):
        ring.decrypt(ring.encrypt("x", "persons_person.family_name"), "persons_person.given_name")


def test_tampered_value_or_unknown_key_raises_clear_error():
    sealed = Keyring([KEY_A]).encrypt("secret", "t.c")
    with pytest.raises(DecryptionError, match="not in NICAT_FIELD_KEYS"):
        Keyring([KEY_B]).decrypt(sealed, "t.c")
    prefix, kid, body = sealed.split(":", 2)
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[20] ^= 0x01  # one bit of the ciphertext
    flipped = f"{prefix}:{kid}:{base64.urlsafe_b64encode(bytes(raw)).decode()}"
    with pytest.raises(DecryptionError, match="failed authentication"):
        Keyring([KEY_A]).decrypt(flipped, "t.c")
    with pytest.raises(DecryptionError, match="not in the encrypted format"):
        Keyring([KEY_A]).decrypt("plain text", "t.c")


def test_older_keys_still_open_after_a_new_key_is_added():
    old = Keyring([KEY_A]).encrypt("v", "t.c")
    assert Keyring([KEY_B, KEY_A]).decrypt(old, "t.c") == "v"
    assert Keyring.key_id_of(Keyring([KEY_B, KEY_A]).encrypt("v", "t.c")) != Keyring.key_id_of(old)


def test_blind_index_is_keyed_and_deterministic():
    assert blind_index("c01234567", "document") == blind_index("c01234567", "document")
    assert blind_index("c01234567", "document") != blind_index("c01234567", "name")
    before = blind_index("c01234567", "document")
    with override_settings(NICAT_INDEX_KEY="another-key"):
        assert blind_index("c01234567", "document") != before


def test_rows_in_the_database_hold_no_plain_identifying_value(cast):
    case = cast.open_case(person={"given_name": "MARKERgiven", "family_name": "MARKERfamily",
                                  "address": "MARKERaddress", "phone": "MARKERphone",
                                  "aliases": ["MARKERalias"],
                                  "documents": [{"type": "passport", "number": "MARKERdoc"}]},
                          summary="MARKERsummary")
    from nicat.cases.services import add_event, add_note

    add_note(actor=cast.worker, case=case, text="MARKERnote")
    add_event(actor=cast.worker, case=case, data={"kind": "Transit", "place": "MARKERplace",
                                                  "description": "MARKERdescription"})
    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            dump.extend(str(row) for row in cursor.fetchall())
    text = "\n".join(dump)
    assert "MARKER" not in text
    assert keyring().current_id in text  # the values are there, sealed
