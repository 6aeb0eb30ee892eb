"""Shelters and assistance centres: capacity by group, stays, transfers, discharges and waiting lists.

A `Facility` is the profile of a special institution (Institution.is_special_institution). Its
address is itself confidential (encrypted; only its own staff and identification officers see
it). `CapacityGroup` is the capacity row of one group (women, men, children): every admission
locks that row (select_for_update) before it counts the people staying, so two admissions at the
same moment can never exceed the beds.
"""
import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nicat.core.models import CaseScopedModel, VersionedModel
from nicat.privacy.fields import EncryptedCharField, EncryptedTextField


class FacilityKind(models.TextChoices):
    SHELTER = "shelter", _("Shelter (temporary residence)")
    ASSISTANCE_CENTRE = "assistance_centre", _("Assistance centre")


class Group(models.TextChoices):
    WOMEN = "women", _("Women")
    MEN = "men", _("Men")
    CHILDREN = "children", _("Children")


class Facility(VersionedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    institution = models.OneToOneField("directory.Institution", on_delete=models.PROTECT,
                                       related_name="facility", verbose_name=_("institution"))
    kind = models.CharField(_("kind"), max_length=20, choices=FacilityKind.choices, default=FacilityKind.SHELTER)
    # Confidential: the location of a shelter endangers those living there.
    address = EncryptedTextField(_("address (confidential)"))
    phone = EncryptedCharField(_("phone (confidential)"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("shelter or assistance centre")
        verbose_name_plural = _("shelters and assistance centres")

    def __str__(self):
        return self.institution.name


class CapacityGroup(VersionedModel):
    """Beds for one group at one facility. The row admissions lock."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="capacity",
                                 verbose_name=_("facility"))
    group = models.CharField(_("group"), max_length=20, choices=Group.choices)
    beds = models.PositiveIntegerField(_("beds"), default=0)

    class Meta:
        ordering = ["facility", "group"]
        verbose_name = _("capacity")
        verbose_name_plural = _("capacity")
        constraints = [models.UniqueConstraint(fields=["facility", "group"], name="assistance_capacity_unique")]

    def __str__(self):
        return f"{self.facility} — {self.get_group_display()}: {self.beds}"


class EndKind(models.TextChoices):
    COMPLETED = "completed", _("Stay completed")
    LEFT_VOLUNTARILY = "left_voluntarily", _("Left of their own will")
    TRANSFERRED = "transferred", _("Transferred to another facility")
    RETURNED_HOME = "returned_home", _("Returned home")
    OTHER = "other", _("Other")


class Stay(CaseScopedModel, VersionedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="assistance_stays",
                             verbose_name=_("case"))
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="stays", verbose_name=_("facility"))
    group = models.CharField(_("group"), max_length=20, choices=Group.choices)
    admitted_at = models.DateTimeField(_("admitted"))
    planned_end = models.DateField(_("stay ends on"))
    extensions = models.PositiveSmallIntegerField(_("extensions"), default=0)
    ended_at = models.DateTimeField(_("left"), null=True, blank=True)
    end_kind = models.CharField(_("how the stay ended"), max_length=20, choices=EndKind.choices, blank=True)
    end_note = EncryptedTextField(_("note on leaving"))
    transferred_from = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                            related_name="transferred_to", verbose_name=_("transferred from"))
    admitted_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    ended_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-admitted_at"]
        verbose_name = _("stay")
        verbose_name_plural = _("stays")
        constraints = [
            # A person lives in one place at a time: one open stay per case.
            models.UniqueConstraint(fields=["case"], condition=Q(ended_at__isnull=True),
                                    name="assistance_one_open_stay_per_case"),
        ]

    @property
    def is_active(self):
        return self.ended_at is None


class WaitingStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    ADMITTED = "admitted", _("Admitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class WaitingListEntry(CaseScopedModel, VersionedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="assistance_waiting",
                             verbose_name=_("case"))
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="waiting_list",
                                 verbose_name=_("facility"))
    group = models.CharField(_("group"), max_length=20, choices=Group.choices)
    status = models.CharField(_("status"), max_length=20, choices=WaitingStatus.choices,
                              default=WaitingStatus.WAITING, db_index=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    note = EncryptedTextField(_("note"))
    requested_at = models.DateTimeField(_("on the list since"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)

    class Meta:
        ordering = ["-urgent", "requested_at"]
        verbose_name = _("waiting-list entry")
        verbose_name_plural = _("waiting list")
        constraints = [
            models.UniqueConstraint(fields=["case", "facility"], condition=Q(status="waiting"),
                                    name="assistance_one_waiting_entry_per_facility"),
        ]
