"""Administrators manage staff, memberships and tokens — never case content."""
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from nicat.accounts.models import ApiToken, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["institution"]


@admin.register(User)
class NicatUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_staff", "last_login"]
    fieldsets = UserAdmin.fieldsets + ((_("Nicat"), {"fields": ["preferred_language"]}),)


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
