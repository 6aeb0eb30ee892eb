"""Screening against the legal definition and the ILO/EC indicators; the official identification.

* `Screening`: one structured screening of a case by a first responder (several per case
  allowed; saved partly and resumed until completed). Facts are free text and encrypted.
* `Identification`: the case's identification workflow, one per case: screened → referred for
  identification to the competent authority → officially recognised / not recognised.
* `IdentificationDecision`: each official decision, append-only, with the documents it rests on.

The trafficking status itself lives on the case (`Case.trafficking_status`, HTCDS values);
`nicat.identification.services.record_decision` is the one writer of it from here.
"""
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from nicat.core.models import CaseScopedModel, VersionedModel
from nicat.privacy.fields import EncryptedDateField, EncryptedJSONField, EncryptedTextField
from nicat.vocab.models import Term


class Population(models.TextChoices):
    ADULT = "adult", _("Adult lists")
    CHILD = "child", _("Child lists")


class ExploitationKind(models.TextChoices):
    LABOUR = "labour", _("Labour exploitation")
    SEXUAL = "sexual", _("Sexual exploitation")


class ScreeningStatus(models.TextChoices):
    DRAFT = "draft", _("In progress")
    COMPLETED = "completed", _("Completed")


class NextStep(models.TextChoices):
    REFER_IDENTIFICATION = "refer_identification", _("Refer for identification")
    REFER_ASSISTANCE = "refer_assistance", _("Refer for assistance")
    NO_INDICATION = "no_indication", _("No indication of trafficking")


def _terms(vocabulary, verbose):
    return models.ManyToManyField(Term, related_name="+", blank=True, verbose_name=verbose,
                                  limit_choices_to={"vocabulary": vocabulary})


class Screening(CaseScopedModel, VersionedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="screenings",
                             verbose_name=_("case"))
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("screened by (institution)"))
    status = models.CharField(_("status"), max_length=20, choices=ScreeningStatus.choices,
                              default=ScreeningStatus.DRAFT, db_index=True)
    # The date the acts began: decides the age that matters. Encrypted like every date of the story.
    acts_began_on = EncryptedDateField(_("the acts began on"))
    population = models.CharField(_("indicator lists for"), max_length=10, choices=Population.choices, blank=True,
                                  help_text=_("Leave empty: the age at the time of the acts decides."))
    exploitation_kind = models.CharField(_("indicator lists of"), max_length=10, choices=ExploitationKind.choices,
                                         blank=True,
                                         help_text=_("Leave empty: the purpose of exploitation decides."))
    acts = _terms("act", _("acts"))
    means = _terms("means", _("means"))
    purposes = _terms("exploitation", _("purposes (forms of exploitation)"))
    acts_facts = EncryptedTextField(_("facts supporting the acts"))
    means_facts = EncryptedTextField(_("facts supporting the means"))
    purpose_facts = EncryptedTextField(_("facts supporting the purpose"))
    consent_reported = models.BooleanField(_("the person says they agreed"), default=False)
    # {"<element>.<indicator>": {"answer": "yes"|"no"|"unknown", "facts": "..."}}
    answers = EncryptedJSONField(_("indicator answers"), default=dict)
    # The engine's last result (codes and numbers; see engine.evaluate), re-computed on every save.
    result = EncryptedJSONField(_("recommendation"), default=dict)
    next_step = models.CharField(_("recommended next step"), max_length=30, choices=NextStep.choices, blank=True,
                                 db_index=True)
    indicator_set_version = models.CharField(_("indicator data version"), max_length=40, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    completed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True,
                                     blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("screening")
        verbose_name_plural = _("screenings")

    def __str__(self):
        return str(_("Screening of %(ref)s") % {"ref": self.case.reference})

    @property
    def is_completed(self):
        return self.status == ScreeningStatus.COMPLETED


class IdentificationStatus(models.TextChoices):
    SCREENED = "screened", _("Potential victim (screened)")
    REFERRED = "referred", _("Referred for identification")
    RECOGNISED = "recognised", _("Officially recognised victim")
    NOT_RECOGNISED = "not_recognised", _("Not recognised as a victim")


class Identification(CaseScopedModel, VersionedModel):
    """The identification workflow of one case."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="identification",
                                verbose_name=_("case"))
    status = models.CharField(_("identification status"), max_length=20, choices=IdentificationStatus.choices,
                              default=IdentificationStatus.SCREENED, db_index=True)
    screening = models.ForeignKey(Screening, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                  verbose_name=_("screening the referral rests on"))
    referred_at = models.DateTimeField(_("referred for identification"), null=True, blank=True, db_index=True)
    referred_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True,
                                    blank=True)
    referred_by_institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT,
                                                related_name="+", null=True, blank=True,
                                                verbose_name=_("referred by"))
    referred_to = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+",
                                    null=True, blank=True, verbose_name=_("referred to"))
    referral_note = EncryptedTextField(_("what the competent authority should know"))
    consent_confirmed = models.BooleanField(_("the person (for a child, the legal representative) agreed to the "
                                              "referral"), default=False)
    # What the referral rests on (nicat.consent): the person's consent for identification, or an approved
    # legal basis. The Main Department sees the case only while one of them holds (apps.referred_for_identification).
    consent = models.ForeignKey("consent.Consent", on_delete=models.PROTECT, related_name="+", null=True, blank=True,
                                verbose_name=_("consent relied on"))
    legal_basis_use = models.ForeignKey("consent.LegalBasisUse", on_delete=models.PROTECT, related_name="+",
                                        null=True, blank=True, verbose_name=_("legal basis used"))
    decision = models.ForeignKey("IdentificationDecision", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("current decision"))
    residence_permit_discussed_on = models.DateField(_("temporary residence permit discussed with the person on"),
                                                     null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("identification")
        verbose_name_plural = _("identifications")

    def __str__(self):
        return f"{self.case.reference}: {self.get_status_display()}"


class DecisionOutcome(models.TextChoices):
    RECOGNISED = "recognised", _("Officially recognised as a victim of trafficking")
    NOT_RECOGNISED = "not_recognised", _("Not recognised as a victim of trafficking")


class CertificateLanguage(models.TextChoices):
    AZ = "az", "Azərbaycanca"
    RU = "ru", "Русский"
    EN = "en", "English"


class IdentificationDecision(CaseScopedModel):
    """An official decision of the competent authority. Never edited: a new decision supersedes it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="identification_decisions",
                             verbose_name=_("case"))
    outcome = models.CharField(_("decision"), max_length=20, choices=DecisionOutcome.choices)
    decided_on = models.DateField(_("date of the decision"))
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("deciding institution"))
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("recorded by"))
    reason = EncryptedTextField(_("reasons for the decision"))
    release_from_liability = models.BooleanField(
        _("released from liability for offences committed as a result of being trafficked"), default=False)
    liability_note = EncryptedTextField(_("offences the release covers"))
    # [{"title": "...", "date": "YYYY-MM-DD" | "", "reference": "..."}]
    documents = EncryptedJSONField(_("documents the decision rests on"), default=list)
    certificate_language = models.CharField(_("language of the certificate"), max_length=2,
                                            choices=CertificateLanguage.choices, default=CertificateLanguage.AZ)
    previous_status = models.CharField(max_length=40, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-created_at"]
        verbose_name = _("identification decision")
        verbose_name_plural = _("identification decisions")

    def __str__(self):
        return f"{self.case.reference}: {self.get_outcome_display()} ({self.decided_on})"

    @property
    def certificate_number(self):
        return f"{self.case.reference}-{str(self.uuid)[:8].upper()}"
