"""Administrators manage staff, memberships and tokens — never case content.

The authenticator secrets and recovery codes of django-otp are not in the admin: an administrator
must not be able to read or copy another person's second factor. They can only reset it (a lost
phone), after which the staff member enrols again at the next sign-in.
"""
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from nicat.accounts.models import ApiToken, Membership, User

for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["institution"]


@admin.register(User)
class NicatUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_staff", "last_login"]
    fieldsets = UserAdmin.fieldsets + ((_("Nicat"), {"fields": ["preferred_language"]}),)
    actions = ["reset_two_factor"]

    @admin.action(description=_("Reset two-factor sign-in (lost phone): enrol again at next sign-in"))
    def reset_two_factor(self, request, queryset):
        from nicat.accounts.services import reset_two_factor

        for user in queryset:
            reset_two_factor(actor=request.user, user=user)
        self.message_user(request, _("Two-factor sign-in was reset for %(n)d staff member(s).") % {"n": queryset.count()},
                          messages.SUCCESS)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "institution", "role", "active", "created_at"]
    list_filter = ["role", "active", "institution"]
    search_fields = ["user__username", "institution__name_az", "institution__code"]
    autocomplete_fields = ["user", "institution"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are listed and revoked here; the token itself is never stored, so it cannot be shown."""

    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    readonly_fields = ["prefix", "user", "created_at", "last_used_at"]
    fields = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]

    def has_add_permission(self, request):
        return False  # tokens are issued with `nicat token USERNAME`, which shows them once
