from django.contrib import admin

from .models import ImportedItem


@admin.register(ImportedItem)
class ImportedItemAdmin(admin.ModelAdmin):
    """What came from WordPress; read-only, kept so a second import adds nothing twice."""

    list_display = ["kind", "wp_id", "object_id", "sticky", "imported_at"]
    list_filter = ["kind", "sticky"]
    search_fields = ["wp_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
