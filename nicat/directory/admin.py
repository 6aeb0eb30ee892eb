"""The directory in the admin: every save goes through nicat.directory.services (audited); the
competent-authority flag is audited as its own event. Institutions are deactivated, never deleted."""
from django.contrib import admin

from nicat.core.admin import ServiceAdmin
from nicat.directory import services
from nicat.directory.models import Institution, InstitutionService


class InstitutionServiceInline(admin.TabularInline):
    model = InstitutionService
    extra = 0
    fields = ["kind", "note", "hours", "active"]


@admin.register(Institution)
class InstitutionAdmin(ServiceAdmin, admin.ModelAdmin):
    edit_stamped = True  # no version column: the form's stamp of the record it showed
    list_display = ["code", "name_az", "kind", "region", "is_special_institution", "is_competent_authority",
                    "listed_publicly", "active"]
    list_filter = ["kind", "region", "is_special_institution", "is_nonprofit", "listed_publicly", "active"]
    search_fields = ["code", "name_az", "name_ru", "name_en"]
    filter_horizontal = ["languages"]
    autocomplete_fields = []
    inlines = [InstitutionServiceInline]

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: cases, memberships and the trail refer to it

    def save_model(self, request, obj, form, change):
        pass  # saved with its languages and services in save_related, through the service

    def save_related(self, request, form, formsets, change):
        services.save_institution(actor=request.user, institution=form.instance,
                                  save_related=lambda: super(InstitutionAdmin, self).save_related(
                                      request, form, formsets, change),
                                  expected_stamp=(form.cleaned_data.get("edit_stamp") or "") if change else None)

    def save_formset(self, request, form, formset, change):
        if formset.model is not InstitutionService:
            raise NotImplementedError(f"{formset.model} has no audited service")
        rows = formset.save(commit=False)
        for row in formset.deleted_objects:
            services.delete_service_offer(actor=request.user, service=row)
        for row in rows:
            services.save_service_offer(actor=request.user, service=row)
        formset.save_m2m()
