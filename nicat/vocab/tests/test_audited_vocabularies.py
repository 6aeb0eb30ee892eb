"""Issue 11, item 4: vocabulary edits are audited; a term's vocabulary and code never change."""
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from nicat.audit.models import AuditEvent
from nicat.core.services import edit_stamp
from nicat.vocab import services
from nicat.vocab.models import Term
from tests.support.world import verified_login


def test_editing_a_label_in_the_admin_is_audited_with_the_change(client, cast):
    term = Term.objects.get(vocabulary="country", code="AZ")
    verified_login(client, cast.admin)
    url = reverse("admin:vocab_term_change", args=[term.pk])
    data = {"label_az": term.label_az, "label_ru": term.label_ru, "label_en": "Azerbaijan Republic",
            "htcds_code": term.htcds_code, "ctdc_code": term.ctdc_code, "sort": term.sort, "active": "on",
            "code": "XX", "edit_stamp": edit_stamp(term), "_save": "Save"}  # the code is read-only: ignored
    assert client.post(url, data).status_code == 302
    term.refresh_from_db()
    assert term.label_en == "Azerbaijan Republic" and term.code == "AZ"
    event = AuditEvent.objects.get(action="vocab.term_update")
    assert event.actor == cast.admin and event.changes["label_en"][1] == "Azerbaijan Republic"
    assert "code" not in event.changes


def test_the_service_refuses_to_rename_a_code(cast):
    term = Term.objects.get(vocabulary="country", code="AZ")
    term.code = "AZE"
    with pytest.raises(ValidationError, match="never change"):
        services.save_term(actor=cast.admin, term=term)
    assert Term.objects.filter(vocabulary="country", code="AZ").exists()


def test_a_term_is_never_deleted_in_the_admin(client, cast):
    term = Term.objects.get(vocabulary="country", code="AZ")
    verified_login(client, cast.admin)
    assert client.post(reverse("admin:vocab_term_delete", args=[term.pk]), {"post": "yes"}).status_code == 403
    assert Term.objects.filter(pk=term.pk).exists()


def test_loading_the_vocabulary_files_is_audited(db):
    call_command("load_vocabularies", stdout=io.StringIO())
    event = AuditEvent.objects.get(action="vocab.load")
    assert event.actor is None and set(event.details["counts"]) == {"created", "updated", "deactivated", "unchanged"}


def _stamp_on_page(client, url):
    import re

    page = client.get(url).content.decode()
    found = re.search(r'name="edit_stamp" value="([0-9a-f]+)"', page)
    assert found, "the change form carries no stamp of the record it shows"
    return found.group(1)


def test_a_stale_term_form_does_not_overwrite_another_administrators_label(client, cast):
    """Law 7 in the administration (ninth review): two administrators open the same term; the second saves a
    new English label; the first, on the form opened before, saves another. Nothing is overwritten silently:
    the form comes back saying the term was changed, and the second administrator's label stays."""
    term = Term.objects.get(vocabulary="country", code="AZ")
    verified_login(client, cast.admin)
    url = reverse("admin:vocab_term_change", args=[term.pk])
    stamp = _stamp_on_page(client, url)
    other = Term.objects.get(pk=term.pk)
    other.label_en = "Azerbaijan (by the other administrator)"
    services.save_term(actor=cast.admin, term=other)
    data = {"label_az": term.label_az, "label_ru": term.label_ru, "label_en": "Azerbaijan Republic",
            "htcds_code": term.htcds_code, "ctdc_code": term.ctdc_code, "sort": term.sort, "active": "on",
            "edit_stamp": stamp, "_save": "Save"}
    response = client.post(url, data)
    assert response.status_code == 200 and "changed by someone else" in response.content.decode()
    term.refresh_from_db()
    assert term.label_en == "Azerbaijan (by the other administrator)"
    assert AuditEvent.objects.filter(action="vocab.term_update").count() == 1
    del data["edit_stamp"]  # a form posted without the stamp (a script, an old page) is refused too
    assert "Give the version" in client.post(url, data).content.decode()
    term.refresh_from_db()
    assert term.label_en == "Azerbaijan (by the other administrator)"
    data["edit_stamp"] = _stamp_on_page(client, url)  # reloaded: the change goes through
    assert client.post(url, data).status_code == 302
    term.refresh_from_db()
    assert term.label_en == "Azerbaijan Republic"
