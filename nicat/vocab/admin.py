"""Vocabularies in the admin: saves go through nicat.vocab.services (audited); a term's vocabulary
and code never change once created, and terms are deactivated, never deleted."""
from django.contrib import admin

from nicat.core.admin import ServiceAdmin
from nicat.vocab import services
from nicat.vocab.models import Term


@admin.register(Term)
class TermAdmin(ServiceAdmin, admin.ModelAdmin):
    edit_stamped = True  # no version column: the form's stamp of the record it showed
    list_display = ("vocabulary", "code", "label_az", "label_ru", "label_en", "htcds_code", "ctdc_code", "sort", "active")
    list_filter = ("vocabulary", "active")
    search_fields = ("code", "label_az", "label_ru", "label_en", "htcds_code", "ctdc_code")
    ordering = ("vocabulary", "sort", "code")
    list_per_page = 100

    def get_readonly_fields(self, request, obj=None):
        return ("vocabulary", "code") if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False  # records and exports refer to terms: deactivate instead

    def save_model(self, request, obj, form, change):
        services.save_term(actor=request.user, term=obj,
                           expected_stamp=(form.cleaned_data.get("edit_stamp") or "") if change else None)
