from django.contrib import admin

from .models import LegacyPath


@admin.register(LegacyPath)
class LegacyPathAdmin(admin.ModelAdmin):
    list_display = ["path", "article", "page"]
    list_select_related = ["article__primary_region", "page"]
    search_fields = ["path", "article__headline", "page__title"]
    autocomplete_fields = ["article", "page"]
