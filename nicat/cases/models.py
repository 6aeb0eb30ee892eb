"""A case: one person's journey through identification, referral, protection and rehabilitation.

Codes of the choices below are the HTCDS 2.0 picklist values where HTCDS has one (cas_Status,
vic_TraffickingStatus, hte_Type), so that an HTCDS export is a mapping, not a rewrite.
"""
import uuid

from django.db import connections, models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nicat.access.scoping import ScopedManager
from nicat.core.models import CaseScopedModel, VersionedModel
from nicat.privacy.fields import EncryptedCharField, EncryptedTextField
from nicat.vocab.models import Term


class CaseStatus(models.TextChoices):  # HTCDS cas_Status
    ACTIVE = "Active", _("Active")
    FOLLOW_UP = "FollowUp", _("Follow-up")
    CLOSED = "Closed", _("Closed")
    CLOSED_REFERRED = "ClosedReferred", _("Closed (referred)")


CLOSED_STATUSES = {CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED}

# The case's own facts: its status and how and when it began. Only the institution that owns the case changes
# them (nicat.cases.services.update_case; its edit form shows them disabled to others).
OWNER_FIELDS = ("status", "closure_reason", "came_to_notice", "first_contact_at", "scope")


class ClosureReason(models.TextChoices):  # HTCDS cas_ReasonForCaseClosure (free text in HTCDS)
    SERVICES_COMPLETED = "ServicesCompleted", _("Assistance completed, person reintegrated")
    DECLINED = "DeclinedFurtherAssistance", _("Person declined further assistance")
    LOST_CONTACT = "LostContact", _("Contact lost")
    REFERRED = "ReferredElsewhere", _("Referred to another organisation")
    RETURNED = "ReturnedToCountryOfOrigin", _("Returned to country of origin")
    NOT_A_VICTIM = "NotAVictim", _("Not a victim of trafficking")
    DUPLICATE = "Duplicate", _("Duplicate of another case")
    DECEASED = "Deceased", _("Deceased")
    OTHER = "Other", _("Other")


class TraffickingStatus(models.TextChoices):  # HTCDS vic_TraffickingStatus
    POSSIBLE = "PossibleVictimOfTrafficking", _("Presumed victim")
    ACTUAL = "ActualVictimOfTrafficking", _("Officially recognised victim")
    NOT_A_VICTIM = "NotAVictimOfTrafficking", _("Not a victim")


class CameToNotice(models.TextChoices):
    SELF_REFERRAL = "self_referral", _("Self-referral")
    HOTLINE = "hotline", _("Hotline")
    POLICE_OPERATION = "police_operation", _("Police operation")
    NGO = "ngo", _("NGO")
    CONSULATE = "consulate", _("Embassy or consulate")
    MEDICAL = "medical", _("Medical institution")
    OTHER = "other", _("Other")


class Scope(models.TextChoices):
    UNKNOWN = "unknown", _("Not yet known")
    INTERNAL = "internal", _("Internal (within one country)")
    TRANSNATIONAL = "transnational", _("Transnational")


def _terms(vocabulary, verbose):
    return models.ManyToManyField(Term, related_name="+", blank=True, verbose_name=verbose,
                                  limit_choices_to={"vocabulary": vocabulary})


class Case(VersionedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("case reference"), max_length=32, unique=True, editable=False)
    person = models.ForeignKey("persons.Person", on_delete=models.PROTECT, related_name="cases",
                               verbose_name=_("person"))
    owner_institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+",
                                          verbose_name=_("owner institution"))
    status = models.CharField(_("case status"), max_length=20, choices=CaseStatus.choices,
                              default=CaseStatus.ACTIVE, db_index=True)
    closure_reason = models.CharField(_("reason for closure"), max_length=40, choices=ClosureReason.choices,
                                      blank=True)
    # When the case last closed (None while open); the retention period runs from it (nicat.retention).
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False, db_index=True)
    trafficking_status = models.CharField(_("trafficking status"), max_length=40,
                                          choices=TraffickingStatus.choices, default=TraffickingStatus.POSSIBLE,
                                          db_index=True)
    status_decided_by = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+",
                                          null=True, blank=True, verbose_name=_("status decided by"))
    status_decided_on = models.DateField(_("status decided on"), null=True, blank=True)
    came_to_notice = models.CharField(_("how the person came to notice"), max_length=30,
                                      choices=CameToNotice.choices, default=CameToNotice.OTHER)
    first_contact_at = models.DateTimeField(_("first contact"), db_index=True)
    acts = _terms("act", _("acts"))
    means = _terms("means", _("means"))
    exploitation_forms = _terms("exploitation", _("forms of exploitation"))
    recruitment_channels = _terms("recruitment_channel", _("recruitment channels"))
    risk_factors = _terms("risk_group", _("risk factors"))
    countries_of_origin = _terms("country", _("countries of origin"))
    countries_of_recruitment = _terms("country", _("countries of recruitment"))
    countries_of_exploitation = _terms("country", _("countries of exploitation"))
    scope = models.CharField(_("internal or transnational"), max_length=20, choices=Scope.choices,
                             default=Scope.UNKNOWN)
    summary = EncryptedTextField(_("summary"))
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(_("opened"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    case_path = "pk"  # the case itself (nicat.access.policy.scope)
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            # The case list's order (newest first contact first, then id) with the owning institution beside it:
            # walking the list to a page — by OFFSET for a numbered page, or from a cursor — reads the index
            # alone (on PostgreSQL), never the case rows the reader may not see. Page 400 of a worker who sees
            # a fiftieth of 1,000,000 cases: 1.3–1.7 s without it, 0.06–0.2 s with it (docs/performance.md).
            models.Index(fields=["-first_contact_at", "-id"], include=["owner_institution"], name="cases_list_order"),
            # The cases not closed — a few per cent of a national registry, and all that "My work" and the
            # dashboard's deadlines look at: read from this partial index, not by a pass over every case
            # (at 1,000,000 cases: 29,705 open, the work list's query 200 → 90 ms; docs/performance.md).
            models.Index(fields=["owner_institution", "id"], name="cases_open",
                         condition=~models.Q(status__in=sorted(CLOSED_STATUSES))),
            # An institution's cases and their persons, from the index alone (on PostgreSQL; SQLite's index holds
            # the id anyway): the case list's count of the visible cases (policy.count_visible_cases, 140 → 15 ms
            # at 1,000,000 cases) and the name search's narrowing (policy.person_id_sources).
            models.Index(fields=["owner_institution", "person"], include=["id"], name="cases_owner_person"),
        ]

    def __str__(self):
        return self.reference

    def save(self, *args, **kwargs):
        if self.status not in CLOSED_STATUSES:
            self.closed_at = None
        elif self.closed_at is None:
            from django.utils import timezone

            self.closed_at = timezone.now()
        super().save(*args, **kwargs)

    def sealing_key_id(self):
        """The data key of the case's person (None once erased): the case's own texts and those of every
        record hanging off it are sealed under it (nicat.core.models.CaseScopedModel.sealing_key_id).

        Read from the database for each value written, not taken from the person this object was read with: a
        merge or its undo may have moved the case to another person since (re-sealing what the case held when
        it did), and a request that read the case before would seal its note under the other woman's key. On
        PostgreSQL the read takes a key-share lock on the case's row until the write commits — the lock a
        record's foreign key to the case takes anyway, so writers never wait for one another — and a merge or
        undo locks the cases it moves for update first: it waits for the writes open on them and re-seals
        what they wrote, and a write that begins meanwhile waits for it and seals under the person it leaves.
        On SQLite the writers take turns, so the read inside a write's transaction is already current."""
        if self.pk is None:  # being opened: the person it is opened for
            return self.person.sealing_key_id() if self.person_id else None
        connection = connections[router.db_for_write(type(self), instance=self)]  # the primary, as key_of reads
        person_meta, qn = self._meta.get_field("person").related_model._meta, connection.ops.quote_name
        key, erased, person_pk = (qn(f.column) for f in (
            person_meta.get_field("data_key_id"), person_meta.get_field("erased_at"), person_meta.pk))
        person, pk = qn(self._meta.get_field("person").column), qn(self._meta.pk.column)
        lock = " FOR KEY SHARE" if connection.vendor == "postgresql" and connection.in_atomic_block else ""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {key}, {erased} FROM {qn(person_meta.db_table)} WHERE {person_pk} = "
                           f"(SELECT {person} FROM {qn(self._meta.db_table)} WHERE {pk} = %s{lock})", [self.pk])
            row = cursor.fetchone()  # erased_at as stored: only whether it is set counts
        return person_meta.model.sealing_key_from(*row) if row else None

    def trail_key_id(self):
        """The key that seals what the audit trail keeps of this case's texts (`CaseTrailKey`); None once its
        person is erased. The trail is never rewritten, so the key moves with the case, not with a person."""
        if self.pk is None:  # being opened: no trail of its own yet
            return self.sealing_key_id()
        return CaseTrailKey.key_of(self)

    @classmethod
    def destroy_trail_keys(cls, person_ids):
        """Crypto-shredding of the trail's copies: destroy the trail keys of every case of `person_ids` (in the
        caller's transaction, which erases them) and return how many were destroyed."""
        from nicat.privacy import personkeys

        rows = CaseTrailKey.objects.filter(case__person_id__in=list(person_ids))
        destroyed = personkeys.destroy_all(list(rows.values_list("kid", flat=True)))
        rows.delete()
        return destroyed

    @property
    def is_closed(self):
        return self.status in CLOSED_STATUSES


class CaseTrailKey(models.Model):
    """The data key that seals what the audit trail keeps of one case: the old and new values of its records'
    texts, and a reason written about the person (nicat.audit.services.seal_value). One per case, made the first
    time the trail needs it, stored as a person data key is (nicat.privacy.personkeys: wrapped by the field keys,
    destroyed with the person).

    Why the case's and not the person's: a merge or its undo moves a case to another person record, and re-seals
    the case's live values under that record's key — but the trail is hash-chained and never rewritten, so what it
    kept of the case stayed under the key of the person the case had when it was written. After an undo, erasing
    the separated woman left the trail's copy of what was written on her case while merged readable with the other
    woman's key, and erasing the other woman took it from her. The case's own key moves with the case. Erasing a
    person destroys it with hers (`Case.destroy_trail_keys`, nicat.persons.erasure)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, primary_key=True, related_name="+")
    kid = models.CharField(max_length=16, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("case trail key")
        verbose_name_plural = _("case trail keys")

    def __str__(self):
        return self.kid

    @classmethod
    def key_of(cls, case):
        """The trail key of `case` (made now if it has none), or None when its person is erased. Read from the
        database, so a request that read the case before a merge or an erasure gets what holds now."""
        from nicat.privacy import personkeys

        connection = connections[router.db_for_write(cls, instance=case)]  # the primary, even for a replica's copy
        qn = connection.ops.quote_name
        person_meta = Case._meta.get_field("person").related_model._meta
        cases, persons, keys = (qn(m._meta.db_table) for m in (Case, person_meta.model, cls))
        erased, person_pk = (qn(person_meta.get_field(name).column) for name in ("erased_at", person_meta.pk.name))
        case_person, case_pk = qn(Case._meta.get_field("person").column), qn(Case._meta.pk.column)
        key_case, kid_column = qn(cls._meta.get_field("case").column), qn(cls._meta.get_field("kid").column)
        read = (f"SELECT p.{erased}, k.{kid_column} FROM {cases} c JOIN {persons} p ON p.{person_pk} = c.{case_person}"
                f" LEFT JOIN {keys} k ON k.{key_case} = c.{case_pk} WHERE c.{case_pk} = %s")

        def current(lock=False):
            """(the key, whether that is the answer): none for a case gone or a person erased."""
            with connection.cursor() as cursor:
                if lock:
                    cursor.execute(f"SELECT 1 FROM {cases} WHERE {case_pk} = %s FOR KEY SHARE", [case.pk])
                cursor.execute(read, [case.pk])
                row = cursor.fetchone()
            return (None, True) if row is None or row[0] else (row[1], bool(row[1]))

        kid, known = current()
        if known:
            return kid
        with transaction.atomic(using=connection.alias):
            if connection.vendor == "postgresql":
                # An erasure locks her cases for update before it destroys their keys (as a merge does before it
                # moves them): wait for it, then read again — a new statement sees what it committed — so that no
                # key is made that the erasure did not see. The key-share lock is the one the key's row takes on
                # the case anyway. On SQLite the writers take turns.
                kid, known = current(lock=True)
                if known:
                    return kid
            kid = personkeys.create_key()
            with connection.cursor() as cursor:  # two first writes at once: one key wins, the other is dropped
                created = qn(cls._meta.get_field("created_at").column)
                cursor.execute(f"INSERT INTO {keys} ({key_case}, {kid_column}, {created}) VALUES (%s, %s, %s) "
                               f"ON CONFLICT ({key_case}) DO NOTHING",
                               [case.pk, kid, connection.ops.adapt_datetimefield_value(timezone.now())])
                if cursor.rowcount == 1:
                    return kid
                personkeys.discard(kid)
                cursor.execute(f"SELECT {kid_column} FROM {keys} WHERE {key_case} = %s", [case.pk])
                return cursor.fetchone()[0]


class CaseReferenceCounter(models.Model):
    """Last number handed out per year; locked while a case is created so references never repeat."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class EventKind(models.TextChoices):  # HTCDS hte_Type
    RECRUITMENT = "Recruitment", _("Recruitment")
    TRANSIT = "Transit", _("Transit")
    EXPLOITATION = "Exploitation", _("Exploitation")


class TraffickingEvent(CaseScopedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("case"))
    kind = models.CharField(_("stage"), max_length=20, choices=EventKind.choices)
    country = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+", null=True, blank=True,
                                verbose_name=_("country"), limit_choices_to={"vocabulary": "country"})
    place = EncryptedCharField(_("place (city, address)"), max_length=255)
    date_from = models.DateField(_("start date"), null=True, blank=True)
    date_to = models.DateField(_("end date"), null=True, blank=True)
    description = EncryptedTextField(_("description"))
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date_from", "created_at"]
        verbose_name = _("trafficking event")
        verbose_name_plural = _("trafficking events")


class CaseNote(CaseScopedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes", verbose_name=_("case"))
    text = EncryptedTextField(_("note"), blank=False)
    author = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    author_institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+",
                                           null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")
