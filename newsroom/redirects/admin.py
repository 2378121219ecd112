from django.contrib import admin

from .models import LegacyPath


@admin.register(LegacyPath)
class LegacyPathAdmin(admin.ModelAdmin):
    list_display = ["path", "article"]
    list_select_related = ["article__primary_region"]
    search_fields = ["path", "article__headline"]
    autocomplete_fields = ["article"]
