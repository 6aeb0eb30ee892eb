"""The daily work on cases (issue 15, items 3 and 4): who works on a case, the tasks and follow-ups on it,
the approvals a supervisor gives, and which actions each institution wants approved.

Every record hanging off a case is visible exactly when its case is (CaseScopedModel). Free text (a
task's title and note, what an approved action carries, the decision note) is encrypted."""
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nicat.core import approvals as gates
from nicat.core.models import CaseScopedModel, VersionedModel
from nicat.privacy.fields import EncryptedJSONField, EncryptedTextField


class CaseTeam(CaseScopedModel, VersionedModel):
    """The case's assigned worker and the team around them (all of the owning institution)."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="work_team",
                                verbose_name=_("case"))
    worker = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("assigned worker"))
    members = models.ManyToManyField("accounts.User", blank=True, related_name="case_teams",
                                     verbose_name=_("team"))
    updated_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("case team")
        verbose_name_plural = _("case teams")


class TaskKind(models.TextChoices):
    TASK = "task", _("Task")
    FOLLOW_UP = "follow_up", _("Follow-up")


class Task(CaseScopedModel, VersionedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="work_tasks",
                             verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=12, choices=TaskKind.choices, default=TaskKind.TASK)
    title = EncryptedTextField(_("what is to be done"))
    assigned_to = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("assigned to"))
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("institution"))
    due_on = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    outcome = EncryptedTextField(_("outcome"))
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["done_at", "due_on", "created_at"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [models.Index(fields=["assigned_to", "done_at"], name="work_task_assignee_open"),
                   models.Index(fields=["institution", "done_at"], name="work_task_institution_open")]

    @property
    def is_done(self):
        return self.done_at is not None


class ApprovalKind(models.TextChoices):
    PLAN = gates.PLAN, _("Rehabilitation plan")
    CASE_CLOSE = gates.CASE_CLOSE, _("Closing the case")
    STAY_EXTENSION = gates.STAY_EXTENSION, _("Stay extension beyond the standard term")
    BREAK_GLASS = gates.BREAK_GLASS, _("Break-glass review")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Not approved")


class Approval(CaseScopedModel, VersionedModel):
    """One request for a supervisor's sign-off. Approving it carries out the action it holds (as the
    requester, who was allowed to ask); refusing it leaves everything as it was."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="work_approvals",
                             verbose_name=_("case"))
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("approved by the supervisors of"))
    kind = models.CharField(_("what"), max_length=20, choices=ApprovalKind.choices)
    target = models.UUIDField(_("record"))
    payload = EncryptedJSONField(default=dict)
    status = models.CharField(_("status"), max_length=10, choices=ApprovalStatus.choices,
                              default=ApprovalStatus.PENDING)
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+",
                                     verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    note = EncryptedTextField(_("note"))

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        indexes = [models.Index(fields=["institution", "status"], name="work_approval_queue")]


class ApprovalSetting(VersionedModel):
    """Which actions an institution wants a supervisor to approve first (none, unless its supervisors
    say so)."""

    institution = models.OneToOneField("directory.Institution", on_delete=models.CASCADE,
                                       related_name="approval_setting")
    plan = models.BooleanField(_("the rehabilitation plan (the person's agreement takes effect when approved)"),
                               default=False)
    case_close = models.BooleanField(_("closing a case"), default=False)
    stay_extension = models.BooleanField(_("a stay extension beyond the standard term"), default=False)
    break_glass = models.BooleanField(_("a review of every break-glass opening of our cases"), default=False)
    updated_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    KINDS = (gates.PLAN, gates.CASE_CLOSE, gates.STAY_EXTENSION, gates.BREAK_GLASS)

    class Meta:
        verbose_name = _("approval setting")
        verbose_name_plural = _("approval settings")

    def requires(self, kind):
        return bool(getattr(self, kind))


class DeadlineReminder(models.Model):
    """A deadline someone was already reminded of (`nicat work_reminders` sends each reminder once)."""

    key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
