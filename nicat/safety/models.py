"""Safety first: risk assessments, security measures, relatives and helpers at risk, contact with the family.

* `Assessment`: a structured risk assessment of one case on one occasion (intake, before a referral, an
  admission, contact with the family, a return or a court appearance): the risk factors found, a level
  (low, medium, high) and its reasons, a review date and who assessed. The latest assessment is the case's
  current level. A high level blocks contact with the family and return until a safety plan, written on
  the assessment, is confirmed by a supervisor of the owning institution who is not its author.
* `SecurityMeasure`: the measures applied (a vocabulary: `MeasureKind`) with dates, the responsible body
  and a review date. The case's "security" section (nicat.access.sections): only the roles that must
  know see them, and every read is audited with the reason the reader gave.
* `Relative`: relatives and helpers connected to the case, with relation, contact, risk and measures —
  encrypted like the victim's identity, found only through blind indexes (`name_index`, `phone_index`).
  The case's "relatives" section: another institution sees them only through a referral that shares it
  with consent.
* `FamilyContact`: a contact with the family, recorded as a measure that needs the person's consent
  (purpose "family_contact") and passes the safety gate.
"""
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from nicat.core import personview
from nicat.core.models import CaseScopedModel, VersionedModel
from nicat.privacy.fields import EncryptedCharField, EncryptedTextField


class Level(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Occasion(models.TextChoices):
    INTAKE = "intake", _("At intake")
    REFERRAL = "referral", _("Before a referral")
    ADMISSION = "admission", _("Before admission to a shelter")
    FAMILY_CONTACT = "family_contact", _("Before contact with the family")
    RETURN = "return", _("Before return")
    COURT = "court", _("Before a court appearance")
    REVIEW = "review", _("Scheduled review")


class Factor(models.TextChoices):
    TRAFFICKERS = "traffickers", _("Threats from the traffickers")
    DEBT_BONDAGE = "debt_bondage", _("Debt bondage")
    FAMILY_INVOLVEMENT = "family_involvement", _("Involvement of the family in the trafficking")
    RETRAFFICKING = "retrafficking", _("Risk of re-trafficking")
    HEALTH = "health", _("Health")
    CHILD = "child", _("Risks specific to a child")


class Assessment(CaseScopedModel, VersionedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="safety_assessments")
    occasion = models.CharField(_("occasion"), max_length=20, choices=Occasion.choices)
    factors = models.JSONField(_("risk factors found"), default=list, blank=True)  # Factor codes
    level = models.CharField(_("level of risk"), max_length=10, choices=Level.choices, db_index=True)
    reasons = EncryptedTextField(_("reasons"))
    review_on = models.DateField(_("review by"))
    assessed_at = models.DateTimeField(_("assessed at"), auto_now_add=True, db_index=True)
    assessed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+")
    # The safety plan a high level needs before contact with the family or return.
    safety_plan = EncryptedTextField(_("safety plan"))
    plan_written_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True,
                                        blank=True)
    plan_written_at = models.DateTimeField(null=True, blank=True)
    plan_confirmed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True,
                                          blank=True)
    plan_confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-assessed_at", "-pk"]
        verbose_name = _("safety assessment")
        verbose_name_plural = _("safety assessments")

    def __str__(self):
        return f"{self.get_level_display()} ({self.assessed_at:%Y-%m-%d})" if self.assessed_at else self.level

    @property
    def plan_confirmed(self):
        return self.plan_confirmed_at is not None

    @property
    def blocks_risky_steps(self):
        return self.level == Level.HIGH and not self.plan_confirmed

    def factor_labels(self):
        labels = dict(Factor.choices)
        return [labels.get(code, code) for code in self.factors or ()]


class MeasureKind(models.TextChoices):
    CONFIDENTIAL_ADDRESS = "confidential_address", _("Confidential address")
    RELOCATION = "relocation", _("Relocation")
    ESCORT = "escort", _("Escort")
    STATE_PROTECTION = "state_protection", _("State protection of a participant in criminal proceedings")
    NEW_DOCUMENTS = "new_documents", _("Change of identity documents")
    RESTRAINING_ORDER = "restraining_order", _("Restraining order")
    PHYSICAL_PROTECTION = "physical_protection", _("Personal physical protection")
    OTHER = "other", _("Other measure")


# What the person thinks of a security measure: lawful without her consent (Law of 11.12.1998 on state protection of
# persons participating in criminal proceedings, Art. 3; Criminal Procedure Code Art. 123), never taken without
# asking her — the one pattern of nicat.core.personview, shared with the court appearances.
PersonView = personview.PersonView


class SecurityMeasure(CaseScopedModel, VersionedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="security_measures")
    kind = models.CharField(_("measure"), max_length=30, choices=MeasureKind.choices)
    description = EncryptedTextField(_("description"))
    address = EncryptedTextField(_("confidential address"))
    responsible_body = EncryptedCharField(_("responsible body"), max_length=255)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    review_on = models.DateField(_("review by"))
    # Blank only on measures recorded before it was asked (migration safety 0002).
    person_view = models.CharField(_("the person's view"), max_length=20, choices=PersonView.choices, blank=True)
    person_wishes = EncryptedTextField(_("the person's wishes"))
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("security measure")
        verbose_name_plural = _("security measures")

    def __str__(self):
        return self.get_kind_display()


class Relation(models.TextChoices):
    PARENT = "parent", _("Parent")
    SPOUSE = "spouse", _("Spouse or partner")
    CHILD = "child", _("Child")
    SIBLING = "sibling", _("Brother or sister")
    OTHER_RELATIVE = "other_relative", _("Other relative")
    HELPER = "helper", _("Someone who helps the victim")
    OTHER = "other", _("Other connected person")


class Relative(CaseScopedModel, VersionedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="relatives_at_risk")
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices)
    given_name = EncryptedCharField(_("given name"), max_length=150)
    family_name = EncryptedCharField(_("family name"), max_length=150)
    phone = EncryptedCharField(_("phone"), max_length=100)
    contact = EncryptedTextField(_("address or other contact"))
    risk = models.CharField(_("risk"), max_length=10, choices=Level.choices)
    risk_notes = EncryptedTextField(_("what threatens them"))
    measures = EncryptedTextField(_("measures for them"))
    # Blind indexes (keyed HMACs, nicat.privacy): exact look-ups without plain text.
    name_index = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    phone_index = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("relative or helper at risk")
        verbose_name_plural = _("relatives and helpers at risk")

    def __str__(self):
        return self.get_relation_display()

    @property
    def full_name(self):
        return " ".join(x for x in (self.given_name, self.family_name) if x)


class FamilyContact(CaseScopedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="family_contacts")
    relative = models.ForeignKey(Relative, on_delete=models.PROTECT, related_name="contacts", null=True, blank=True)
    contacted_on = models.DateField(_("date of the contact"))
    note = EncryptedTextField(_("what was said or agreed"))
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-contacted_on", "-pk"]
        verbose_name = _("contact with the family")
        verbose_name_plural = _("contacts with the family")
