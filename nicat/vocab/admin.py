from django.contrib import admin

from nicat.vocab.models import Term


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ("vocabulary", "code", "label_az", "label_ru", "label_en", "htcds_code", "ctdc_code", "sort", "active")
    list_filter = ("vocabulary", "active")
    search_fields = ("code", "label_az", "label_ru", "label_en", "htcds_code", "ctdc_code")
    ordering = ("vocabulary", "sort", "code")
    list_per_page = 100
