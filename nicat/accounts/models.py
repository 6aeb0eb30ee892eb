"""Staff users and their memberships in institutions, with a role in each."""
import uuid
from uuid import uuid4

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CASE_WORKER = "case_worker", _("Case worker")
    SUPERVISOR = "supervisor", _("Supervisor")
    IDENTIFICATION_OFFICER = "identification_officer", _("Identification officer")
    SHELTER_STAFF = "shelter_staff", _("Shelter staff")
    MEDICAL_STAFF = "medical_staff", _("Medical staff")
    CONSULAR_OFFICER = "consular_officer", _("Consular officer")
    HOTLINE_OPERATOR = "hotline_operator", _("Hotline operator")
    ANALYST = "analyst", _("Analyst (aggregates only)")
    ADMINISTRATOR = "administrator", _("Administrator")


# Roles that work with cases of their own institution. Analysts and administrators never read cases.
CASE_ROLES = frozenset(Role) - {Role.ANALYST, Role.ADMINISTRATOR}


class User(AbstractUser):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    preferred_language = models.CharField(_("preferred language"), max_length=8, blank=True,
                                          choices=[("az", "Azərbaycanca"), ("ru", "Русский"), ("en", "English")])
    # Part of every session's fingerprint: a new value ends every session of the user at once
    # ("sign out everywhere"), as a new password does.
    session_epoch = models.UUIDField(default=uuid4, editable=False)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def _get_session_auth_hash(self, secret=None):
        from django.utils.crypto import salted_hmac

        key_salt = "nicat.accounts.User.session_auth_hash"
        return salted_hmac(key_salt, f"{self.password}\x00{self.session_epoch}", secret=secret,
                           algorithm="sha256").hexdigest()

    def active_memberships(self):
        return self.memberships.in_effect().select_related("institution")


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", _("In effect")
    PENDING = "pending", _("Awaiting confirmation")
    REJECTED = "rejected", _("Rejected")
    ENDED = "ended", _("Ended")


def in_effect_q(prefix=""):
    """The one rule of a membership in effect — it gives access now: active (confirmed, not ended) at an
    active institution. `prefix` reaches it through a relation: `User.objects.filter(in_effect_q("memberships__"),
    memberships__institution=i, ...)` — in the same `filter()` call, so that every condition holds of the
    same membership."""
    return models.Q(**{f"{prefix}active": True, f"{prefix}institution__active": True})


class MembershipQuerySet(models.QuerySet):
    def in_effect(self):
        """Memberships that give access now: active, at an active institution."""
        return self.filter(in_effect_q())

    def heads(self):
        """The memberships that make someone the head of their institution: the supervisors in effect, active.
        The head confirms role grants an administrator made there (nicat.accounts.services)."""
        return self.filter(in_effect_q(), role=Role.SUPERVISOR, user__is_active=True)

    def heads_of(self, institution):
        """The memberships that make someone the head of `institution` (`heads`)."""
        return self.heads().filter(institution=institution)


class Membership(models.Model):
    """A staff member's role at an institution. Granted, confirmed, rejected and ended only through
    nicat.accounts.services (audited); a grant by an administrator is *pending* — it gives no access
    (active=False, enforced by a check constraint) — until the institution's head or a second
    administrator confirms it."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("staff member"))
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="memberships",
                                    verbose_name=_("institution"))
    role = models.CharField(_("role"), max_length=40, choices=Role.choices)
    active = models.BooleanField(_("active"), default=True)
    status = models.CharField(_("status"), max_length=10, choices=MembershipStatus.choices,
                              default=MembershipStatus.ACTIVE)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    granted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name=_("granted by"))
    granted_at = models.DateTimeField(_("granted"), null=True, blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name=_("confirmed or rejected by"))
    decided_at = models.DateTimeField(_("confirmed or rejected"), null=True, blank=True)
    ended_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("ended by"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "institution", "role"], name="accounts_membership_unique"),
            # Only a grant in effect gives access: a pending, rejected or ended one never does.
            models.CheckConstraint(condition=models.Q(active=False) | models.Q(status="active"),
                                   name="accounts_membership_active_only_in_effect"),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} — {self.institution}"

    @property
    def is_pending(self):
        return self.status == MembershipStatus.PENDING


class ApiToken(models.Model):
    """An API token: only its SHA-256 is stored; the token is shown once, at creation."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("staff member"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @property
    def is_active(self):
        return self.revoked_at is None

    def save(self, *args, **kwargs):
        """A revoked token stays revoked (the database refuses it too: migration 0003's trigger)."""
        if self.pk is not None and self.revoked_at is None:
            was = ApiToken.objects.filter(pk=self.pk).values_list("revoked_at", flat=True).first()
            if was is not None:
                raise ValueError("A revoked API token cannot be restored.")
        super().save(*args, **kwargs)
