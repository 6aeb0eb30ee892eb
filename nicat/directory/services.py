"""Changes to the directory of institutions, each audited in its own transaction.

The competent-authority flag is the power to decide who is a victim (official identification,
restriction orders, the coordination of the national referral mechanism): setting or withdrawing
it is its own audited event (`institution.competent_authority`) on top of the update, so that it
stands out in the trail. The Django admin writes through here.
"""
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from nicat.audit import services as audit
from nicat.core.errors import NotAllowed
from nicat.core.services import check_stamp
from nicat.directory.models import Institution, InstitutionService

INSTITUTION_FIELDS = ("code", "name_az", "name_ru", "name_en", "kind", "region", "country", "address", "phone", "fax",
                      "email", "hours", "is_special_institution", "is_nonprofit", "is_competent_authority",
                      "listed_publicly", "active")
SERVICE_FIELDS = ("institution", "kind", "note", "hours", "active")


def _require(actor, perm):
    if actor is None or not (actor.is_active and actor.is_staff and actor.has_perm(perm)):
        raise NotAllowed(_("Only an administrator can change the directory of institutions."))


def _institution_snapshot(institution):
    if institution is None:
        return {}
    row = model_to_dict(institution, fields=INSTITUTION_FIELDS)
    row["languages"] = sorted(institution.languages.values_list("code", flat=True)) if institution.pk else []
    return row


def save_institution(*, actor, institution, save_related=None, expected_stamp=None):
    """Create `institution` or save the edits made to it (the admin's form); `save_related()` (the
    form's many-to-many save) runs in the same transaction. A change of the competent-authority
    flag goes through `set_competent_authority`. `expected_stamp`, from a form: the stamp of the record the
    form showed (`core.services.edit_stamp`); someone else's save since then refuses this one."""
    creating = institution.pk is None
    _require(actor, "directory.add_institution" if creating else "directory.change_institution")
    with transaction.atomic():
        stored = None if creating else Institution.objects.select_for_update().get(pk=institution.pk)
        if stored is not None and expected_stamp is not None:
            check_stamp(stored, expected_stamp)
        before = _institution_snapshot(stored)
        wanted_flag = institution.is_competent_authority
        if stored is not None:
            institution.is_competent_authority = stored.is_competent_authority  # changed below, on its own
        elif wanted_flag:
            institution.is_competent_authority = False
        institution.save()
        if save_related is not None:
            save_related()
        after = _institution_snapshot(institution)
        changes = audit.diff(Institution, before, after)
        audit.record(actor=actor, action="institution.create" if creating else "institution.update", obj=institution,
                     institution=institution, changes=changes,
                     details={"code": institution.code, **({} if changes or creating else {"unchanged": True})})
        if wanted_flag != institution.is_competent_authority:
            set_competent_authority(actor=actor, institution=institution, value=wanted_flag)
    return institution


def add_imported_institution(*, actor, institution, restore=False):
    """Create `institution` as an HTCDS import brings it (nicat.exchange, which decided who may import),
    audited as `institution.create` like the administrator's, with `via: htcds`. The competent-authority
    flag and the registered non-profit (an authorised provider) come with it only when the operator restores a
    registry (`restore`: the `nicat htcds import` command), the first audited as
    `institution.competent_authority` too; anyone else's import never sets them (NotAllowed: they are the
    administrator's acts in the directory)."""
    if institution.pk is not None:
        raise ValueError("An import creates institutions; it never changes one already in the directory.")
    wanted_flag = bool(institution.is_competent_authority)
    if wanted_flag and not restore:
        raise NotAllowed(_("Only an administrator makes an institution the competent authority, in the directory "
                           "of institutions."))
    if institution.is_nonprofit and not restore:  # a registered non-profit is an authorised provider
        raise NotAllowed(_("Only an administrator registers an institution as a non-profit, in the directory of "
                           "institutions."))
    with transaction.atomic():
        institution.is_competent_authority = False
        institution.save()
        audit.record(actor=actor, action="institution.create", obj=institution, institution=institution,
                     changes=audit.diff(Institution, {}, _institution_snapshot(institution)),
                     details={"code": institution.code, "via": "htcds"})
        if wanted_flag:
            _set_competent_authority(actor, institution, True)
    return institution


def set_competent_authority(*, actor, institution, value):
    """Make `institution` the competent authority for official identification (value True) or
    withdraw it (False). Audited as `institution.competent_authority`."""
    _require(actor, "directory.change_institution")
    return _set_competent_authority(actor, institution, value)


def _set_competent_authority(actor, institution, value):
    value = bool(value)
    with transaction.atomic():
        stored = Institution.objects.select_for_update().get(pk=institution.pk)
        if stored.is_competent_authority == value:
            return institution
        Institution.objects.filter(pk=institution.pk).update(is_competent_authority=value)
        institution.is_competent_authority = value
        others = list(Institution.objects.filter(is_competent_authority=True).exclude(pk=institution.pk)
                      .values_list("code", flat=True))
        audit.record(actor=actor, action="institution.competent_authority", obj=institution, institution=institution,
                     changes={"is_competent_authority": [not value, value]},
                     details={"code": institution.code, "other_competent_authorities": others})
    return institution


def save_service_offer(*, actor, service):
    """Create or change a service an institution offers (the admin's inline rows)."""
    creating = service.pk is None
    _require(actor, "directory.change_institution")
    with transaction.atomic():
        stored = None if creating else InstitutionService.objects.select_for_update().get(pk=service.pk)
        before = model_to_dict(stored, fields=SERVICE_FIELDS) if stored is not None else {}
        service.save()
        changes = audit.diff(InstitutionService, before, model_to_dict(service, fields=SERVICE_FIELDS))
        audit.record(actor=actor, action="institution.service_create" if creating else "institution.service_update",
                     obj=service, institution=service.institution_id, changes=changes,
                     details={"kind": service.kind, **({} if changes or creating else {"unchanged": True})})
    return service


def delete_service_offer(*, actor, service):
    """Remove a service from an institution's offer (the admin's inline "delete" box)."""
    _require(actor, "directory.change_institution")
    with transaction.atomic():
        audit.record(actor=actor, action="institution.service_delete", obj=service, institution=service.institution_id,
                     details={"kind": service.kind, "note": service.note})
        service.delete()
