"""Suspected traffickers and the criminal proceedings of a case (issue 17, items 4 and 6).

Everything here hangs off a case and is visible exactly when the case is (CaseScopedModel); on top
of that the access policy's sections decide what a user sees of it (nicat.access.sections):

- `investigation` — the investigation file: suspected traffickers, the criminal case (number,
  articles, investigating body, stage and its dated changes, the victim's status), the verdict and
  confiscation, requests for release from liability. Law enforcement only.
- `hearings` — what accompaniment needs: the dates, court and purpose of hearings and the victim's
  required appearances. NGOs see this, never the investigation file.

A suspect's identity is encrypted like a victim's (nicat.privacy) and found only through a blind
index of the canonical name (`name_index`); the criminal case number likewise (`number_index`: the
same criminal case recorded on several victims' cases is counted once in the statistics).
"""
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from nicat.core.models import CaseScopedModel, VersionedModel
from nicat.core.personview import PersonView
from nicat.privacy.fields import EncryptedCharField, EncryptedJSONField, EncryptedTextField


class AgeBand(models.TextChoices):
    UNDER_18 = "under_18", _("under 18")
    FROM_18_TO_29 = "18_29", _("18–29")
    FROM_30_TO_44 = "30_44", _("30–44")
    FROM_45_TO_59 = "45_59", _("45–59")
    FROM_60 = "60_plus", _("60 or older")
    UNKNOWN = "unknown", _("unknown")


class Stage(models.TextChoices):
    INQUIRY = "inquiry", _("Inquiry")
    PRELIMINARY_INVESTIGATION = "preliminary_investigation", _("Preliminary investigation")
    IN_COURT = "in_court", _("In court")
    VERDICT = "verdict", _("Verdict")
    APPEAL = "appeal", _("Appeal")
    DISCONTINUED = "discontinued", _("Discontinued")


# The stages in which the case is being investigated; reaching IN_COURT is a prosecution.
INVESTIGATION_STAGES = frozenset({Stage.INQUIRY, Stage.PRELIMINARY_INVESTIGATION})
COURT_STAGES = frozenset({Stage.IN_COURT, Stage.VERDICT, Stage.APPEAL})


class VictimStatus(models.TextChoices):
    VICTIM = "victim", _("Victim (injured party)")
    WITNESS = "witness", _("Witness")
    CIVIL_CLAIMANT = "civil_claimant", _("Victim and civil claimant")


class VerdictOutcome(models.TextChoices):
    CONVICTION = "conviction", _("Conviction")
    PARTLY = "partly", _("Conviction of some accused, acquittal of others")
    ACQUITTAL = "acquittal", _("Acquittal")


CONVICTIONS = frozenset({VerdictOutcome.CONVICTION, VerdictOutcome.PARTLY})


class HearingPurpose(models.TextChoices):
    PRELIMINARY = "preliminary", _("Preliminary hearing")
    TRIAL = "trial", _("Trial hearing")
    VERDICT = "verdict", _("Announcement of the verdict")
    APPEAL = "appeal", _("Appeal hearing")
    OTHER = "other", _("Other")


class AppearanceStatus(models.TextChoices):
    REQUIRED = "required", _("Required to appear")
    APPEARED = "appeared", _("Appeared")
    EXCUSED = "excused", _("Excused")
    DID_NOT_APPEAR = "did_not_appear", _("Did not appear")


class AppearanceMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("By video link, without meeting the accused")
    STATEMENT = "statement", _("Earlier statement read out")


class LiabilityKind(models.TextChoices):
    CRIMINAL = "criminal", _("Criminal")
    ADMINISTRATIVE = "administrative", _("Administrative")
    CIVIL = "civil", _("Civil")


class ReleaseOutcome(models.TextChoices):
    PENDING = "pending", _("Pending")
    GRANTED = "granted", _("Released from liability")
    REFUSED = "refused", _("Refused")


class Perpetrator(CaseScopedModel, VersionedModel):
    """A suspected trafficker in a case (HTCDS: a person with per_ context)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="perpetrators",
                             verbose_name=_("case"))
    given_name = EncryptedCharField(_("given name"), max_length=150)
    family_name = EncryptedCharField(_("family name"), max_length=150)
    patronymic = EncryptedCharField(_("patronymic"), max_length=150)
    aliases = EncryptedJSONField(_("other names and nicknames"))
    name_index = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    roles = models.ManyToManyField("vocab.Term", related_name="+", blank=True, verbose_name=_("role"),
                                   limit_choices_to={"vocabulary": "perpetrator_role"})
    role_details = EncryptedTextField(_("details of the role"))
    organisation = EncryptedCharField(_("organisation or group"), max_length=255)
    relation = models.ForeignKey("vocab.Term", on_delete=models.PROTECT, related_name="+", null=True, blank=True,
                                 verbose_name=_("relation to the victim"),
                                 limit_choices_to={"vocabulary": "trafficker_relation"})
    nationalities = models.ManyToManyField("vocab.Term", related_name="+", blank=True,
                                           verbose_name=_("nationality"), limit_choices_to={"vocabulary": "country"})
    gender = models.ForeignKey("vocab.Term", on_delete=models.PROTECT, related_name="+", null=True, blank=True,
                               verbose_name=_("gender"), limit_choices_to={"vocabulary": "gender"})
    age_band = models.CharField(_("age"), max_length=10, choices=AgeBand.choices, default=AgeBand.UNKNOWN)
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+", null=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("suspected trafficker")
        verbose_name_plural = _("suspected traffickers")

    def __str__(self):
        return " ".join(p for p in (self.given_name, self.family_name) if p) or str(_("unnamed suspect"))


class CriminalCase(CaseScopedModel, VersionedModel):
    """The criminal case in which the victim of this case takes part, with its verdict."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="criminal_cases",
                             verbose_name=_("case"))
    number = EncryptedCharField(_("criminal case number"), max_length=100)
    number_index = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    articles = models.ManyToManyField("vocab.Term", related_name="+", verbose_name=_("articles of the Criminal Code"),
                                      limit_choices_to={"vocabulary": "criminal_article"})
    investigating_body = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+",
                                           verbose_name=_("investigating body"))
    opened_on = models.DateField(_("opened on"))
    stage = models.CharField(_("stage"), max_length=30, choices=Stage.choices, default=Stage.INQUIRY)
    stage_since = models.DateField(_("in this stage since"))
    victim_status = models.CharField(_("the victim takes part as"), max_length=20, choices=VictimStatus.choices,
                                     default=VictimStatus.VICTIM)
    perpetrators = models.ManyToManyField(Perpetrator, related_name="criminal_cases", blank=True,
                                          verbose_name=_("suspects or accused"))
    verdict_on = models.DateField(_("verdict of"), null=True, blank=True)
    verdict_court = EncryptedCharField(_("court that gave the verdict"), max_length=255)
    verdict_outcome = models.CharField(_("outcome"), max_length=20, choices=VerdictOutcome.choices, blank=True)
    sentence_summary = EncryptedTextField(_("sentence"))
    confiscation_amount = models.DecimalField(_("confiscated (AZN)"), max_digits=14, decimal_places=2, null=True,
                                              blank=True)
    confiscation_description = EncryptedTextField(_("confiscated property"))
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+", null=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["opened_on", "pk"]
        verbose_name = _("criminal case")
        verbose_name_plural = _("criminal cases")
        constraints = [
            models.CheckConstraint(condition=models.Q(confiscation_amount__isnull=True)
                                   | models.Q(confiscation_amount__gte=0), name="proceedings_confiscation_positive"),
        ]

    def __str__(self):
        return self.number or str(_("criminal case"))

    @property
    def convicted(self):
        return self.verdict_outcome in CONVICTIONS


class StageChange(CaseScopedModel):
    """A dated move of the criminal case from one stage to the next (append-only)."""

    case_path = "criminal_case__case"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    criminal_case = models.ForeignKey(CriminalCase, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(_("from"), max_length=30, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to"), max_length=30, choices=Stage.choices)
    changed_on = models.DateField(_("date of the change"))
    note = EncryptedTextField(_("note"))
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_on", "recorded_at", "pk"]
        verbose_name = _("change of stage")
        verbose_name_plural = _("changes of stage")


class Hearing(CaseScopedModel, VersionedModel):
    """A court hearing of the criminal case (the `hearings` section: NGOs accompanying the victim see it)."""

    case_path = "criminal_case__case"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    criminal_case = models.ForeignKey(CriminalCase, on_delete=models.CASCADE, related_name="hearings")
    starts_at = models.DateTimeField(_("date and time"))
    court = EncryptedCharField(_("court"), max_length=255)
    purpose = models.CharField(_("purpose"), max_length=20, choices=HearingPurpose.choices,
                               default=HearingPurpose.TRIAL)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("hearing")
        verbose_name_plural = _("hearings")


class Appearance(CaseScopedModel, VersionedModel):
    """The victim's appearance at a hearing, planned after the safety check (nicat.proceedings.checks)."""

    case_path = "hearing__criminal_case__case"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    hearing = models.OneToOneField(Hearing, on_delete=models.CASCADE, related_name="appearance")
    status = models.CharField(_("appearance"), max_length=20, choices=AppearanceStatus.choices,
                              default=AppearanceStatus.REQUIRED)
    mode = models.CharField(_("how"), max_length=20, choices=AppearanceMode.choices, default=AppearanceMode.IN_PERSON)
    accompanied_by = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+",
                                       null=True, blank=True, verbose_name=_("accompanied by"))
    safety_checked = models.JSONField(default=list, blank=True, editable=False)  # names of the checks passed
    # A procedural duty, not a matter of consent — but never planned without asking her (nicat.core.personview,
    # as on a security measure): her view, how she wishes to take part, and her wishes (accompaniment, the
    # protective measures she asks for), encrypted. Blank only on appearances planned before this was asked.
    person_view = models.CharField(_("the person's view"), max_length=20, choices=PersonView.choices, blank=True)
    wished_mode = models.CharField(_("how she wishes to take part"), max_length=20, choices=AppearanceMode.choices,
                                   blank=True)
    person_wishes = EncryptedTextField(_("the person's wishes"))
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("appearance of the victim")
        verbose_name_plural = _("appearances of the victim")


class ReleaseRequest(CaseScopedModel, VersionedModel):
    """A request to release the victim from liability for an offence committed as a result of being
    trafficked (law No. 958-IIQ), and its outcome."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="release_requests",
                             verbose_name=_("case"))
    criminal_case = models.ForeignKey(CriminalCase, on_delete=models.PROTECT, related_name="release_requests",
                                      null=True, blank=True, verbose_name=_("criminal case"))
    liability = models.CharField(_("liability"), max_length=20, choices=LiabilityKind.choices)
    offence = EncryptedTextField(_("offence committed as a result of being trafficked"))
    requested_on = models.DateField(_("requested on"))
    authority = EncryptedCharField(_("requested from (body)"), max_length=255)
    outcome = models.CharField(_("outcome"), max_length=20, choices=ReleaseOutcome.choices,
                               default=ReleaseOutcome.PENDING)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_note = EncryptedTextField(_("decision"))
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["requested_on", "pk"]
        verbose_name = _("request for release from liability")
        verbose_name_plural = _("requests for release from liability")
