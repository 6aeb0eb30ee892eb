"""The identity of a presumed or recognised victim. Every identifying value is encrypted."""
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from nicat.access.scoping import ScopedManager
from nicat.core.models import VersionedModel
from nicat.privacy.fields import EncryptedCharField, EncryptedDateField, EncryptedJSONField, EncryptedTextField
from nicat.vocab.models import Term


class Person(VersionedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Names as given, in any script.
    given_name = EncryptedCharField(_("given name"), max_length=150)
    family_name = EncryptedCharField(_("family name"), max_length=150)
    patronymic = EncryptedCharField(_("patronymic"), max_length=150)
    aliases = EncryptedJSONField(_("other names and spellings"))  # list of strings
    birth_date = EncryptedDateField(_("date of birth"))
    birth_date_is_estimate = models.BooleanField(_("date of birth is an estimate"), default=False)
    estimated_age = models.PositiveSmallIntegerField(_("estimated age (years)"), null=True, blank=True)
    age_recorded_on = models.DateField(_("age recorded on"), null=True, blank=True)
    gender = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+", null=True, blank=True,
                               verbose_name=_("gender"), limit_choices_to={"vocabulary": "gender"})
    citizenships = models.ManyToManyField(Term, related_name="+", blank=True, verbose_name=_("citizenship"),
                                          limit_choices_to={"vocabulary": "country"})
    languages = models.ManyToManyField(Term, related_name="+", blank=True, verbose_name=_("languages"),
                                       limit_choices_to={"vocabulary": "language"})
    documents = EncryptedJSONField(_("identity documents"))  # [{"type", "number", "country", "expiry"}]
    phone = EncryptedCharField(_("phone"), max_length=100)
    email = EncryptedCharField(_("e-mail"), max_length=254)
    address = EncryptedTextField(_("address"))
    registered_by_institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT,
                                                  related_name="+", verbose_name=_("registered by"))
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Blind indexes (keyed HMACs, see nicat.privacy.indexes and docs/matching.md): exact look-ups
    # without plain text. Maintained by nicat.persons.indexing, never edited by hand.
    name_index = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    document_index = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    birth_date_index = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    birth_year_index = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    # A duplicate merged into another record is kept (with its history), marked, never deleted.
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, editable=False,
                                    related_name="merged_records", verbose_name=_("merged into"))
    merged_at = models.DateTimeField(_("merged"), null=True, blank=True, editable=False)
    # Envelope encryption (nicat.privacy.personkeys): the identifying values above are sealed under this
    # person's own data key; destroying it erases them everywhere (crypto-shredding, nicat.persons.erasure).
    data_key_id = models.CharField(max_length=16, blank=True, default="", editable=False)
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True, editable=False)
    erasure_basis = models.CharField(_("erased because"), max_length=20, blank=True, default="", editable=False,
                                     choices=[("retention", _("retention period ended")),
                                              ("request", _("the person's request")),
                                              ("reapplied", _("erased again after a restore"))])

    objects = ScopedManager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        indexes = [
            # The persons an institution registered, as ids in order, read from the index alone: a restricted
            # worker's name search narrows the holders of a common name to them (policy.person_id_sources)
            # instead of asking about every holder by id (docs/performance.md, "The worker's pages").
            models.Index(fields=["registered_by_institution", "id"], name="persons_registered_by"),
        ]

    def __str__(self):
        if self.erased_at:
            return str(_("(erased)"))
        return self.full_name or str(_("(no name given)"))

    def save(self, *args, **kwargs):
        from nicat.privacy import personkeys

        if not self.data_key_id and not self.erased_at:
            self.data_key_id = personkeys.create_key()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "data_key_id"}
        super().save(*args, **kwargs)

    def sealing_key_id(self):
        """The data key the encrypted fields are sealed under (nicat.privacy.fields), None once erased."""
        return self.sealing_key_from(self.data_key_id, self.erased_at)

    @staticmethod
    def sealing_key_from(data_key_id, erased_at):
        """The rule of `sealing_key_id` over the two columns, for a caller that read only those."""
        return None if erased_at else (data_key_id or None)

    @property
    def is_erased(self):
        return self.erased_at is not None

    def kept_record(self):
        """The record this one was last merged into (A into B, then B into C: C for A and for B); itself when it
        was not merged. Her cases and everything on them are there now."""
        record, seen = self, {self.pk}
        while record.merged_into_id and record.merged_into_id not in seen:
            record = record.merged_into
            seen.add(record.pk)
        return record

    def same_person_records(self):
        """Every record of the same person as this one by the coordinator's merges: the kept record and every
        record merged into it (a merge of a merge too), the kept record first."""
        kept = self.kept_record()
        return [kept, *kept.records_merged_in()]

    def records_merged_in(self):
        """Every record the coordinator merged into this one, a merge of a merge too (A into B, then B into C):
        what was recorded on them belongs to the same person."""
        records, frontier = [], [self]
        while frontier:
            frontier = [merged for record in frontier for merged in Person.objects.of(record, via="merged_into")]
            records += frontier
        return records

    @property
    def full_name(self):
        if self.erased_at:
            return str(_("(erased)"))
        return " ".join(p for p in (self.family_name, self.given_name, self.patronymic) if p)

    def age_on(self, day=None):
        """Age in whole years on `day` (today on the Baku calendar by default), from the birth date or the
        estimate; None when unknown. The one rule is nicat.persons.age."""
        from nicat.core.calendar import baku_date, baku_today
        from nicat.persons.age import years_on

        years, _estimate = years_on(self, baku_date(day) if day is not None else baku_today())
        return years

    def age(self, on=None):
        """The `nicat.persons.age.Age` on `on`: years, estimate, and child or adult by the one rule."""
        from nicat.persons.age import age_of

        return age_of(self, on)

    @property
    def is_child(self):
        """A child today (Baku calendar), or presumed one while the age is unknown or an estimate near 18."""
        return self.age().is_child

    @property
    def is_stateless(self):
        return any(t.code == "XXA" for t in self.citizenships.all())


class PersonToken(models.Model):
    """One keyed fuzzy token of a person (nicat.privacy.indexes.Kind): candidates for matching are
    the persons that share tokens. A token is a 64-bit HMAC under a per-kind key, never a name."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tokens")
    kind = models.PositiveSmallIntegerField()
    token = models.BigIntegerField()

    objects = ScopedManager()

    class Meta:
        # (token, person): the name search reads a token's holders from the index alone
        indexes = [models.Index(fields=["token", "kind"], name="persons_token_lookup"),
                   models.Index(fields=["token", "person"], name="persons_token_holders")]


class SignalSource(models.TextChoices):
    INTAKE = "intake", _("Registration of a new person")
    SCAN = "scan", _("Registry-wide duplicate scan")


class SignalStatus(models.TextChoices):
    OPEN = "open", _("To review")
    MERGED = "merged", _("Merged")
    DISMISSED = "dismissed", _("Not the same person")


class DuplicateSignal(VersionedModel):
    """Two person records that may be the same human, for the coordinator (Main Department) to review.
    Raised when a new person resembles one the registering institution may not see, and by the scan."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person_a = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("record"))
    person_b = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("other record"))
    probability = models.FloatField(_("match probability"))
    source = models.CharField(_("found by"), max_length=10, choices=SignalSource.choices)
    raised_by_institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, null=True,
                                              blank=True, related_name="+", verbose_name=_("raised by"))
    status = models.CharField(_("status"), max_length=10, choices=SignalStatus.choices, default=SignalStatus.OPEN,
                              db_index=True)
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")

    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["person_a", "person_b"], name="persons_signal_pair")]
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")


class MergeRecord(models.Model):
    """A merge of `merged` into `survivor`: what moved (model label → primary keys), so that it can be
    undone. Neither record is deleted; `merged` is marked merged_into `survivor`."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("kept record"))
    merged = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("merged record"))
    signal = models.ForeignKey(DuplicateSignal, on_delete=models.PROTECT, null=True, blank=True, related_name="merges")
    moved = models.JSONField(default=dict)  # {"cases.case": {"person": [pk, …]}, …} — primary keys only
    reason = EncryptedTextField(_("reason"))
    merged_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField(_("merged"), auto_now_add=True)
    undone_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    undo_reason = EncryptedTextField(_("reason for undoing"))

    objects = ScopedManager()

    class Meta:
        ordering = ["-merged_at"]
        verbose_name = _("merge of person records")
        verbose_name_plural = _("merges of person records")

    @property
    def is_undone(self):
        return self.undone_at is not None


class MatchModel(models.Model):
    """Match weights learned from the registry by the duplicate scan (Fellegi–Sunter, EM, no labels):
    counts and log2 weights of field agreement levels only — no identifying value."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    parameters = models.JSONField()

    class Meta:
        ordering = ["-created_at"]
        get_latest_by = "created_at"
