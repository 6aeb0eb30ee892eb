"""The individual social rehabilitation plan and the log of services delivered.

Social rehabilitation (Law No. 958-IIQ; the seed): legal assistance, continuation of education,
psychological, medical and vocational rehabilitation, employment and living space — the seven
areas below (their codes are those of nicat.directory.models.ServiceKind). Every service is free:
there is no price, fee or cost field on any model here.
"""
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from nicat.core.models import CaseScopedModel, VersionedModel
from nicat.directory.models import STATE_ONLY_SERVICES, ServiceKind
from nicat.privacy.fields import EncryptedCharField, EncryptedTextField


class Area(models.TextChoices):
    LEGAL = "legal", _("Legal assistance")
    EDUCATION = "education", _("Continuation of education")
    PSYCHOLOGICAL = "psychological", _("Psychological rehabilitation")
    MEDICAL = "medical", _("Medical rehabilitation")
    VOCATIONAL = "vocational", _("Vocational rehabilitation")
    EMPLOYMENT = "employment", _("Employment")
    HOUSING = "housing", _("Living space")


# HTCDS 2.0 spl_Type of each area (the nearest value), for exports.
HTCDS_PLAN_TYPE = {
    Area.LEGAL: "Legal", Area.EDUCATION: "Education", Area.PSYCHOLOGICAL: "Health", Area.MEDICAL: "Health",
    Area.VOCATIONAL: "Livelihood", Area.EMPLOYMENT: "Livelihood", Area.HOUSING: "Social",
}


# What a logged service was: the directory's kinds of service, except those only the state performs
# (identification, investigation), which are not assistance. The same codes are the consent
# gate's services, so "the person consents to psychological support" and the log speak alike.
SERVICE_KINDS = [(k.value, k.label) for k in ServiceKind if k not in STATE_ONLY_SERVICES]


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft (not yet agreed with the person)")
    AGREED = "agreed", _("Agreed with the person")
    CLOSED = "closed", _("Closed after the final review")


class RehabilitationPlan(CaseScopedModel, VersionedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="rehabilitation_plan",
                                verbose_name=_("case"))
    status = models.CharField(_("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("drawn up by"))
    agreed_at = models.DateTimeField(_("agreed with the person"), null=True, blank=True)
    agreement_note = EncryptedTextField(_("what the person said"))
    next_review_on = models.DateField(_("next review"), null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("individual social rehabilitation plan")
        verbose_name_plural = _("individual social rehabilitation plans")


class GoalStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    ACHIEVED = "achieved", _("Achieved")
    NOT_ACHIEVED = "not_achieved", _("Not achieved")
    DECLINED = "declined", _("Declined by the person")


OPEN_GOAL_STATUSES = {GoalStatus.PLANNED, GoalStatus.IN_PROGRESS}


class PlanGoal(CaseScopedModel, VersionedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(RehabilitationPlan, on_delete=models.CASCADE, related_name="goals",
                             verbose_name=_("plan"))
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+", verbose_name=_("case"))
    area = models.CharField(_("area"), max_length=20, choices=Area.choices)
    description = EncryptedTextField(_("goal"))
    responsible_institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT,
                                                related_name="+", verbose_name=_("responsible institution"))
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=GoalStatus.choices, default=GoalStatus.PLANNED)
    outcome = EncryptedTextField(_("outcome"))
    declined_at = models.DateTimeField(_("declined"), null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["area", "created_at"]
        verbose_name = _("plan goal")
        verbose_name_plural = _("plan goals")

    @property
    def is_declined(self):
        return self.status == GoalStatus.DECLINED


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    NOT_DONE = "not_done", _("Not done")
    CANCELLED = "cancelled", _("Cancelled")


class PlanAction(CaseScopedModel, VersionedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    goal = models.ForeignKey(PlanGoal, on_delete=models.CASCADE, related_name="actions", verbose_name=_("goal"))
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+", verbose_name=_("case"))
    description = EncryptedTextField(_("action"))
    responsible_institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT,
                                                related_name="+", verbose_name=_("responsible institution"))
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ActionStatus.choices,
                              default=ActionStatus.PLANNED)
    outcome = EncryptedTextField(_("outcome"))
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "created_at"]
        verbose_name = _("plan action")
        verbose_name_plural = _("plan actions")


class PlanReview(CaseScopedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(RehabilitationPlan, on_delete=models.CASCADE, related_name="reviews",
                             verbose_name=_("plan"))
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+", verbose_name=_("case"))
    reviewed_on = models.DateField(_("reviewed on"))
    summary = EncryptedTextField(_("summary of the review"))
    is_final = models.BooleanField(_("final review"), default=False)
    reviewed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reviewed_on", "-created_at"]
        verbose_name = _("plan review")
        verbose_name_plural = _("plan reviews")


class AuthorisedStateBody(models.Model):
    """A state body that provides services within its functions (law, Art. 12–17: state authorities
    assist victims within their jurisdiction), and the kinds of service it may provide.

    Special institutions (Institution.is_special_institution) and registered non-profits
    (Institution.is_nonprofit) may provide any service. Any other institution — a private business
    above all — may not record a service: every service is free and private businesses may not
    provide paid services.
    """

    institution = models.OneToOneField("directory.Institution", on_delete=models.PROTECT,
                                       related_name="assistance_state_body", verbose_name=_("institution"))
    service_kinds = models.JSONField(_("services within its functions"), default=list)
    legal_basis = models.CharField(_("legal basis"), max_length=500, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("state body providing services")
        verbose_name_plural = _("state bodies providing services")

    def __str__(self):
        return str(self.institution)


class ServiceDelivery(CaseScopedModel):
    """One service delivered: what, by whom, when, for how long. Free of charge, always."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="assistance_services",
                             verbose_name=_("case"))
    kind = models.CharField(_("service"), max_length=30, choices=SERVICE_KINDS)
    description = EncryptedTextField(_("what was done"))
    provider = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("provided by"))
    staff_name = EncryptedCharField(_("staff member who provided it"), max_length=200)
    delivered_at = models.DateTimeField(_("when"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    goal = models.ForeignKey(PlanGoal, on_delete=models.PROTECT, null=True, blank=True, related_name="services",
                             verbose_name=_("plan goal"))
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-delivered_at"]
        verbose_name = _("service delivered")
        verbose_name_plural = _("services delivered")
