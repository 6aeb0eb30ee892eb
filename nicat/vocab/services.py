"""Changes to the reference vocabularies, each audited in its own transaction.

A term's `vocabulary` and `code` never change once created (data and exports refer to them); a
term is retired by deactivating it, never deleted. The Django admin and `nicat load_vocabularies`
write through here.
"""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from nicat.audit import services as audit
from nicat.core.services import check_stamp
from nicat.vocab.loader import load_all
from nicat.vocab.models import Term

AUDITED_FIELDS = ("vocabulary", "code", "label_az", "label_ru", "label_en", "htcds_code", "ctdc_code", "sort",
                  "active")


def _snapshot(term):
    return model_to_dict(term, fields=AUDITED_FIELDS) if term is not None else {}


def save_term(*, actor, term, expected_stamp=None):
    """Create `term` or save the edits made to it (e.g. by the admin's form). Audited as
    `vocab.term_create` / `vocab.term_update` with the changed fields. `expected_stamp`, from a form: the stamp
    of the term the form showed (`core.services.edit_stamp`); someone else's save since then refuses this one."""
    if actor is None or not (actor.is_active and actor.is_staff
                             and actor.has_perm("vocab.change_term" if term.pk else "vocab.add_term")):
        from nicat.core.errors import NotAllowed

        raise NotAllowed(_("Only an administrator can change the vocabularies."))
    with transaction.atomic():
        stored = Term.objects.select_for_update().filter(pk=term.pk).first() if term.pk else None
        if stored is not None and expected_stamp is not None:
            check_stamp(stored, expected_stamp)
        if stored is not None and (stored.vocabulary, stored.code) != (term.vocabulary, term.code):
            raise ValidationError({"code": _("A term's vocabulary and code never change: records and exports refer "
                                             "to them. Deactivate this term and create a new one instead.")})
        before = _snapshot(stored)
        term.save()
        changes = audit.diff(Term, before, _snapshot(term))
        audit.record(actor=actor, action="vocab.term_update" if stored is not None else "vocab.term_create",
                     obj=term, changes=changes,
                     details={"vocabulary": term.vocabulary, "code": term.code, **({} if changes else {"unchanged": True})})
    return term


def load_vocabularies(*, actor=None, data_dir=None):
    """Upsert the vocabulary files into the database (`nicat load_vocabularies`); audited as
    `vocab.load` with the counts. `actor` None is the operator on the server."""
    with transaction.atomic():
        counts = load_all(Term, data_dir=data_dir)
        audit.record(actor=actor, action="vocab.load", details={"counts": counts, "via": "command"})
    return counts
