from datetime import date

from django import forms
from django.utils import timezone
from django.utils.text import slugify

from . import body, params, storage
from .images import normalise_upload
from .markup import clean_editorial
from .models import Article, Author, Photo, Region, RelatedLink, Section
from .revisions import conflict_message


class PhotoUploadField(forms.FileField):
    """An uploaded photo, checked and re-encoded by ``images.normalise_upload``.

    A plain file field underneath: Django's image field would open the upload with every
    decoder Pillow has and answer a decompression bomb with a vague message; this one lets
    only the formats we accept parse it, and says what is wrong.
    """

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.FileInput) and "accept" not in widget.attrs:
            attrs["accept"] = "image/jpeg,image/png,image/webp,image/gif"
        return attrs

    def to_python(self, data):
        data = super().to_python(data)
        return normalise_upload(data) if data else data


class StoresUploads:
    """A model form that stores its uploads as the last step of validation, so a storage
    that cannot take them (read-only, full, unreachable) is a form error beside the field,
    and the model's save finds them stored."""

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        for name in self.changed_data:
            upload = getattr(self.instance, name, None)
            if not hasattr(upload, "storage") or not upload or upload._committed:
                continue
            try:
                storage.store(upload)
            except storage.STORAGE_ERRORS as error:
                storage.logger.error("Upload to media storage failed: %s", error)
                self.add_error(name, storage.refusal(error, self.stored_thing))
                return


class PhotoForm(StoresUploads, forms.ModelForm):
    stored_thing = "photo"

    class Meta:
        model = Photo
        fields = ["image", "alt_text", "caption", "photographer", "agency"]
        field_classes = {"image": PhotoUploadField}


class AuthorForm(StoresUploads, forms.ModelForm):
    """An author's portrait goes through the same checks as any photo: no GPS kept."""

    stored_thing = "portrait"

    class Meta:
        model = Author
        fields = ["name", "slug", "bio", "photo", "user"]
        field_classes = {"photo": PhotoUploadField}


class BodyField(forms.CharField):
    """Browsers send CRLF line endings; store LF so an untouched body is unchanged."""

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")


class ArticleForm(forms.ModelForm):
    # The version the editor started from; a mismatch on save means someone else saved
    # in between, and saving would silently overwrite their work.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Article
        field_classes = {"body": BodyField}
        widgets = {
            "headline": forms.TextInput(attrs={"style": "width: min(100%, 48em)"}),
            "standfirst": forms.Textarea(attrs={"rows": 3, "style": "width: min(100%, 48em)"}),
            "body": forms.Textarea(attrs={"rows": 28, "style": "width: min(100%, 48em)"}),
        }
        fields = [
            "headline", "slug", "kicker", "standfirst", "kind", "section", "regions",
            "primary_region", "lead_photo", "body", "status", "publish_at", "updated_at",
            "is_lead", "lead_until", "comments_enabled", "comments_close_after_days",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version

    def clean_regions(self):
        return self.cleaned_data.get("regions") or []

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            # Lock the row (PostgreSQL) so a simultaneous save waits for this one to commit
            # and then sees the new version; SQLite's immediate transactions do the same.
            current = (
                Article.objects.select_for_update()
                .filter(pk=self.instance.pk)
                .values_list("version", flat=True)
                .first()
            )
            if cleaned.get("version") != current:
                raise forms.ValidationError(
                    conflict_message(self.instance, cleaned.get("version")), code="edit_conflict"
                )
        primary = cleaned.get("primary_region")
        regions = cleaned.get("regions")
        if primary and regions is not None and primary.name.lower() not in map(str.lower, regions):
            # The primary region is one of the article's regions, by definition.
            cleaned["regions"] = [*regions, primary.name]
        if not cleaned.get("slug") and cleaned.get("headline"):
            cleaned["slug"] = slugify(cleaned["headline"])[:200]
        if (
            "publish_at" in self.fields
            and cleaned.get("status") == Article.Status.PUBLISHED
            and not cleaned.get("publish_at")
        ):
            # "Empty means now": filled in before the model's constraints are checked,
            # which would otherwise refuse a published article without a publish time.
            cleaned["publish_at"] = timezone.now()
        if "is_lead" in self.fields:
            self.clean_lead(cleaned)
        return cleaned

    def clean_lead(self, cleaned: dict) -> None:
        """Only a published (or scheduled) article can lead; an end time needs a lead."""
        if (
            cleaned.get("is_lead")
            and "is_lead" in self.changed_data
            and cleaned.get("status") != Article.Status.PUBLISHED
        ):
            self.add_error(
                "is_lead", "Only a published or scheduled article can lead the home page."
            )
        until = cleaned.get("lead_until")
        if until and not cleaned.get("is_lead"):
            self.add_error("lead_until", "Tick “Lead story” as well, or leave this empty.")
        elif until and "lead_until" in self.changed_data and until <= timezone.now():
            self.add_error("lead_until", "This time has passed; choose a later one.")


class PlaceholderFormSet(forms.BaseInlineFormSet):
    """Checks that every [kind N] placeholder in the body has a row numbered N."""

    kind = ""

    def row_key(self, row):
        return row.get("number")

    def placed_number(self, row) -> int | None:
        """The N a placeholder uses to refer to this row, if it can be placed."""
        return row.get("number")

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        rows = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        keys = [self.row_key(row) for row in rows]
        if len(keys) != len(set(keys)):
            raise forms.ValidationError("Two rows have the same number; give each its own.")
        available = {self.placed_number(row) for row in rows}
        used = body.placeholders(clean_editorial(self.instance.body))[self.kind]
        missing = sorted(set(used) - available)
        if missing:
            raise forms.ValidationError(
                [
                    f"The body uses [{self.kind} {number}], but no row here is numbered "
                    f"{number}. Add it, or take the placeholder out of the body."
                    for number in missing
                ]
            )


class BylineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors) or self.instance.status != Article.Status.PUBLISHED:
            return
        if not any(
            form.cleaned_data and not form.cleaned_data.get("DELETE") for form in self.forms
        ):
            raise forms.ValidationError("A published article needs at least one author.")


class QuoteFormSet(PlaceholderFormSet):
    kind = "quote"


class BodyPhotoFormSet(PlaceholderFormSet):
    kind = "photo"


class RelatedLinkFormSet(PlaceholderFormSet):
    kind = "readmore"

    def row_key(self, row):
        # READ MORE 1 and sidebar link 1 may coexist.
        return (row.get("placement"), row.get("number"))

    def placed_number(self, row) -> int | None:
        return row.get("number") if row.get("placement") == RelatedLink.Placement.INLINE else None


class DateInput(forms.DateInput):
    """A browser date picker; it can only hold an ISO date, so anything else is left out."""

    input_type = "date"

    def format_value(self, value):
        value = super().format_value(value)
        try:
            return date.fromisoformat(value).isoformat() if value else None
        except (TypeError, ValueError):
            return None


class SearchForm(forms.Form):
    """The reader's search: words, and optional filters. Any input gives a normal page."""

    q = forms.CharField(label="Search for", max_length=200, required=False)
    section = forms.ModelChoiceField(
        Section.objects.all(), to_field_name="slug", required=False, empty_label="All sections"
    )
    region = forms.ModelChoiceField(
        Region.objects.all(), to_field_name="slug", required=False, empty_label="All regions"
    )
    author = forms.ModelChoiceField(
        Author.objects.all(), to_field_name="slug", required=False, empty_label="All authors"
    )
    date_from = params.DateField(label="From", required=False, widget=DateInput(format="%Y-%m-%d"))
    date_to = params.DateField(label="To", required=False, widget=DateInput(format="%Y-%m-%d"))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("The “From” date must not be after the “To” date.")
        return cleaned

    @property
    def has_filters(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return any(data.get(name) for name in ("section", "region", "author", "date_from",
                                               "date_to"))  # fmt: skip
