from django.contrib import admin

from nicat.directory.models import Institution, InstitutionService


class InstitutionServiceInline(admin.TabularInline):
    model = InstitutionService
    extra = 0
    fields = ["kind", "note", "hours", "active"]


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_az", "kind", "region", "is_special_institution", "is_competent_authority",
                    "listed_publicly", "active"]
    list_filter = ["kind", "region", "is_special_institution", "is_nonprofit", "listed_publicly", "active"]
    search_fields = ["code", "name_az", "name_ru", "name_en"]
    filter_horizontal = ["languages"]
    autocomplete_fields = []
    inlines = [InstitutionServiceInline]
