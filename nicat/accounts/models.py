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
        return self.memberships.filter(active=True, institution__active=True).select_related("institution")


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("staff member"))
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="memberships",
                                    verbose_name=_("institution"))
    role = models.CharField(_("role"), max_length=40, choices=Role.choices)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "institution", "role"], name="accounts_membership_unique")]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} — {self.institution}"


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
