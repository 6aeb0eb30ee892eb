"""Administrators manage staff, memberships and tokens — never case content — and every change
they make goes through a service that audits it (tests/test_admin_audited.py walks every form).

- Staff members: created and changed through `services.save_staff_member` (the changed fields,
  permissions included, never the password); passwords through `services.change_password`; never
  deleted (disable the account instead: the trail keeps pointing at them).
- Memberships (role grants): granted through `services.grant_membership`, which refuses a grant
  to oneself and leaves the grant *pending* until the head of the institution or a second
  administrator confirms it (actions below, or the "Role grants" page). A membership is never
  edited or deleted here: it is confirmed, rejected or ended, each audited.
- API tokens: listed and revoked (`services.revoke_token`), never restored or edited.
- Lock-outs (django-axes): deleting an attempt unlocks, audited as `auth.unlock`; the axes logs
  are read-only.
- The admin site's own "Change password" leads to the account's password page (audited, the other
  sessions end), never Django's unaudited form.
- Groups are not used (roles are memberships) and are not in the admin: they would be a second,
  unaudited way to hand out permissions.

The authenticator secrets and recovery codes of django-otp are not in the admin: an administrator
must not be able to read or copy another person's second factor. They can only reset it (a lost
phone), after which the staff member enrols again at the next sign-in.
"""
import contextvars

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from nicat.accounts import services
from nicat.accounts.models import ApiToken, Membership, User
from nicat.core.admin import ServiceAdmin
from nicat.core.errors import NotAllowed

for _model in (TOTPDevice, StaticDevice, Group, AccessAttempt, AccessLog, AccessFailureLog):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


def _password_change(request, extra_context=None):
    """The admin site's own "Change password" (linked from every admin page) would save the password with
    Django's form, unaudited: it leads to the account's page instead, which changes it through
    services.change_password (audited, the other sessions end). Still behind the admin's gate."""
    return redirect("accounts:password_change")


def _password_change_done(request, extra_context=None):
    return redirect("accounts:security")


admin.site.password_change = _password_change  # type: ignore[method-assign]
admin.site.password_change_done = _password_change_done  # type: ignore[method-assign]

# The administrator changing a password in the admin (the password form has no request of its own).
_admin_actor = contextvars.ContextVar("nicat_admin_actor", default=None)


def _refusal_text(error):
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


class ReadOnlyMembershipInline(admin.TabularInline):
    """A staff member's roles, shown; grant them under "Memberships" (they need confirmation)."""

    model = Membership
    fk_name = "user"
    extra = 0
    fields = ["institution", "role", "status", "granted_by", "decided_by", "ended_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedAdminPasswordChangeForm(AdminPasswordChangeForm):
    def save(self, commit=True):
        usable = self.cleaned_data.get("set_usable_password", True)
        return services.change_password(actor=_admin_actor.get(), user=self.user,
                                        password=self.cleaned_data["password1"] if usable else None)


@admin.register(User)
class NicatUserAdmin(ServiceAdmin, UserAdmin):
    inlines = [ReadOnlyMembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_staff", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
        (_("Nicat"), {"fields": ["preferred_language"]}),
    )
    filter_horizontal = ("user_permissions",)
    readonly_fields = ["last_login", "date_joined"]
    change_password_form = AuditedAdminPasswordChangeForm
    actions = ["reset_two_factor"]

    def has_delete_permission(self, request, obj=None):
        return False  # disable the account instead: the audit trail keeps pointing at it

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        actor = request.user

        class StaffForm(form):
            def clean(self):
                data = super().clean()
                if obj is not None and obj.pk == actor.pk:
                    for flag in ("is_superuser", "is_staff"):
                        if flag in data and data[flag] != getattr(obj, flag):
                            raise ValidationError(_("You cannot change your own administrator rights. Ask another "
                                                    "administrator."))
                    if "is_active" in data and not data["is_active"]:
                        raise ValidationError(_("You cannot disable your own account. Ask another administrator."))
                return data

        return StaffForm

    def save_model(self, request, obj, form, change):
        pass  # saved with its permissions in save_related, through the service: one audited change

    def save_related(self, request, form, formsets, change):
        services.save_staff_member(actor=request.user, user=form.instance,
                                   save_related=lambda: super(NicatUserAdmin, self).save_related(
                                       request, form, formsets, change))

    def user_change_password(self, request, id, form_url=""):
        token = _admin_actor.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _admin_actor.reset(token)

    @admin.action(description=_("Reset two-factor sign-in (lost phone): enrol again at next sign-in"))
    def reset_two_factor(self, request, queryset):
        for user in queryset:
            services.reset_two_factor(actor=request.user, user=user)
        self.message_user(request, _("Two-factor sign-in was reset for %(n)d staff member(s).") % {"n": queryset.count()},
                          messages.SUCCESS)


class GrantForm(forms.ModelForm):
    """The admin's "add membership" form: a grant, checked by the service before it is saved."""

    actor = None

    class Meta:
        model = Membership
        fields = ["user", "institution", "role"]

    def validate_unique(self):
        pass  # a grant may renew an ended or rejected one; the service decides (and says why not)

    def clean(self):
        data = super().clean()
        user, institution, role = data.get("user"), data.get("institution"), data.get("role")
        if user is not None and institution is not None and role:
            try:
                services.check_grant(actor=self.actor, user=user, institution=institution, role=role)
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.error_dict.items():
                        self.add_error(field if field in self.fields else None, errors)
                else:
                    raise
        return data


@admin.register(Membership)
class MembershipAdmin(ServiceAdmin, admin.ModelAdmin):
    """Adding a membership grants a role: it waits for the head of the institution (a supervisor
    there) or a second administrator to confirm it, and the institution is told."""

    list_display = ["user", "institution", "role", "status", "granted_by", "granted_at", "decided_by", "ended_at"]
    list_filter = ["status", "role", "institution"]
    search_fields = ["user__username", "institution__name_az", "institution__code"]
    autocomplete_fields = ["user", "institution"]
    readonly_fields = ["user", "institution", "role", "status", "active", "created_at", "granted_by", "granted_at",
                       "decided_by", "decided_at", "ended_by", "ended_at"]
    actions = ["confirm_grants", "reject_grants", "end_memberships"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_fields(self, request, obj=None):
        return ["user", "institution", "role"] if obj is None else self.readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = type("GrantForm", (GrantForm,), {"actor": request.user})
        return super().get_form(request, obj, change=change, **kwargs)

    def has_change_permission(self, request, obj=None):
        return False  # confirmed, rejected or ended with the actions; never edited

    def has_delete_permission(self, request, obj=None):
        return False  # ended, never deleted: the trail of who had access stays whole

    def save_model(self, request, obj, form, change):
        membership = services.grant_membership(actor=request.user, user=obj.user, institution=obj.institution,
                                               role=obj.role)
        for field in Membership._meta.concrete_fields:
            setattr(obj, field.attname, getattr(membership, field.attname))

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(request, _("The grant waits for confirmation by the head of the institution or another "
                                     "administrator; it gives no access until then. The institution was told."),
                          messages.WARNING)
        return super().response_add(request, obj, post_url_continue)

    def _each(self, request, queryset, fn, done):
        ok = 0
        for membership in queryset:
            try:
                fn(actor=request.user, membership=membership)
                ok += 1
            except (NotAllowed, ValidationError) as refusal:
                self.message_user(request, f"{membership}: {_refusal_text(refusal)}", messages.ERROR)
        if ok:
            self.message_user(request, done % {"n": ok}, messages.SUCCESS)

    @admin.action(description=_("Confirm the selected grants"))
    def confirm_grants(self, request, queryset):
        self._each(request, queryset, services.confirm_membership, _("%(n)d grant(s) confirmed: they are in effect."))

    @admin.action(description=_("Reject the selected grants"))
    def reject_grants(self, request, queryset):
        self._each(request, queryset, services.reject_membership, _("%(n)d grant(s) rejected."))

    @admin.action(description=_("End the selected roles"))
    def end_memberships(self, request, queryset):
        self._each(request, queryset, services.end_membership, _("%(n)d role(s) ended."))


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are listed and revoked here; the token itself is never stored, so it cannot be shown,
    and a revoked token cannot be restored."""

    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    readonly_fields = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    fields = readonly_fields
    actions = ["revoke_tokens"]

    def has_add_permission(self, request):
        return False  # tokens are issued with `nicat token USERNAME` or on the account page, which show them once

    def has_change_permission(self, request, obj=None):
        return False  # revoked with the action; never edited or restored

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke_tokens(self, request, queryset):
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            services.revoke_token(actor=request.user, token=token, as_administrator=True)
            revoked += 1
        self.message_user(request, _("%(n)d token(s) revoked.") % {"n": revoked}, messages.SUCCESS)


@admin.register(AccessAttempt)
class AuditedAccessAttemptAdmin(AccessAttemptAdmin):
    """Failed sign-ins (django-axes). Deleting an attempt unlocks the account or address: audited."""

    actions = []

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        services.clear_sign_in_failures(actor=request.user, attempts=[obj])

    def delete_queryset(self, request, queryset):
        services.clear_sign_in_failures(actor=request.user, attempts=list(queryset))


class _ReadOnly:
    actions = []

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLog)
class ReadOnlyAccessLogAdmin(_ReadOnly, AccessLogAdmin):
    pass


@admin.register(AccessFailureLog)
class ReadOnlyAccessFailureLogAdmin(_ReadOnly, AccessFailureLogAdmin):
    pass
