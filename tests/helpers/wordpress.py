"""The invented WordPress site the import tests bring over, and finding what it became."""

from pathlib import Path

from newsroom.wordpress.models import ImportedItem

EXPORT = Path(__file__).resolve().parents[1] / "newsroom" / "exports" / "meridian.xml"


def imported_object(model, wp_id, kind="post"):
    """The object a WordPress item became."""
    mapped = ImportedItem.objects.get(kind=kind, wp_id=str(wp_id))
    return model.objects.get(pk=mapped.object_id)
