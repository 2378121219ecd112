from datetime import date

from django import forms
from django.utils import timezone
from django.utils.text import slugify
from django_prose_editor.fields import ProseEditorFormField, create_sanitizer

from . import embeds, params, storage
from .images import normalise_upload
from .markup import clean_editorial
from .models import (
    Article,
    Author,
    BodyPhoto,
    Embed,
    Page,
    Photo,
    Quote,
    Region,
    Section,
    TextBlock,
)
from .pasted import from_office
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
        for name in self.changed_data:
            upload = getattr(self.instance, name, None)
            stored_now = hasattr(upload, "storage") and upload and not upload._committed
            if stored_now and not store_upload(self, name, upload, self.stored_thing):
                return


def store_upload(form, name: str, upload, what: str = "photo") -> bool:
    """Store a bound, valid form's upload now (``storage.store``); a storage that cannot
    take it is an error beside the field, saying why."""
    if form.errors:
        return False
    try:
        storage.store(upload)
    except storage.STORAGE_ERRORS as error:
        storage.logger.error("Upload to media storage failed: %s", error)
        form.add_error(name, storage.refusal(error, what))
        return False
    return True


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


def new_photo(form, name: str, **words) -> Photo | None:
    """A photo uploaded where it is used (lead or body), for the library: its file is
    stored now, while the valid form is checked, and its row saved with the form."""
    photo = Photo(image=form.cleaned_data[name], **words)
    return photo if store_upload(form, name, photo.image) else None


class PhotoChoice(forms.RadioSelect):
    """The photo library as thumbnails to choose from, one radio button each.

    Plain radio buttons, so choosing works without JavaScript; the choices are the
    newest photos and the one already chosen.
    """

    option_template_name = "admin/articles/widgets/photo_option.html"
    template_name = "admin/articles/widgets/photo_choice.html"

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["photo"] = label if isinstance(label, Photo) else None
        return option


class LibraryPhotoField(forms.ModelChoiceField):
    """A photo chosen from the library by its thumbnail (the lead photo, a body photo).

    Any photo in the library is a valid choice; the newest ones, and the one already
    chosen, are shown; ``blank=True`` offers "no photo" first.
    """

    SHOWN = 24

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", PhotoChoice)
        super().__init__(Photo.objects.all(), **kwargs)

    def show_library(self, current: Photo | None) -> None:
        shown = list(Photo.objects.exclude(image="")[: self.SHOWN])
        if current and current not in shown:
            shown.insert(0, current)
        choices = [(photo.pk, photo) for photo in shown]
        if self.empty_label is not None:
            choices.insert(0, ("", self.empty_label))
        self.widget.choices = choices


# The words of a new lead photo, typed beside its upload.
LEAD_WORDS = ("alt_text", "caption", "photographer", "agency")
LEAD_FILE_AGAIN = (
    "Choose the photo's file again: its words are here, but a browser does not keep a "
    "chosen file when the form comes back with an error. (Or clear the words.)"
)


class ArticleForm(forms.ModelForm):
    # The version the editor started from; a mismatch on save means someone else saved
    # in between, and saving would silently overwrite their work.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Chosen by its thumbnail, like a body photo; or a new one is uploaded here, with its
    # words beside it, rather than in a second window, and added to the library.
    lead_photo = LibraryPhotoField(
        required=False, blank=True, label="Lead photo", empty_label="No lead photo"
    )
    lead_image = PhotoUploadField(label="…or upload one", required=False)
    lead_alt_text = forms.CharField(
        label="What it shows",
        max_length=250,
        required=False,
        help_text="For readers using a screen reader. Needed with an upload.",
    )
    lead_caption = forms.CharField(
        label="Caption", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    lead_photographer = forms.CharField(label="Photographer", max_length=120, required=False)
    lead_agency = forms.CharField(label="Agency", max_length=120, required=False)
    new_lead_photo: Photo | None = None  # the upload, stored while the form is checked

    class Meta:
        model = Article
        widgets = {
            "headline": forms.TextInput(attrs={"style": "width: min(100%, 48em)"}),
            "standfirst": forms.Textarea(attrs={"rows": 3, "style": "width: min(100%, 48em)"}),
        }
        fields = [
            "headline", "slug", "kicker", "standfirst", "kind", "section", "regions",
            "primary_region", "lead_photo", "status", "publish_at", "updated_at",
            "is_lead", "lead_until", "comments_enabled", "comments_close_after_days",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
        if "lead_photo" in self.fields:
            lead = self.instance.lead_photo if self.instance.lead_photo_id else None
            self.fields["lead_photo"].show_library(lead)
        for field in self.fields.values():
            # The admin's date-and-time pairs print "Date:" and "Time:" without a label
            # element; each box says what it is to a screen reader instead.
            if isinstance(field.widget, forms.SplitDateTimeWidget):
                for part, widget in zip(("date", "time"), field.widget.widgets, strict=True):
                    widget.attrs.setdefault("aria-label", f"{field.label}: {part}")

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
        if not primary and len(regions or []) == 1 and "regions" in self.changed_data:
            # One region typed: it is the kicker, without choosing it a second time (an
            # article left without a kicker on purpose keeps none until its regions change).
            primary = cleaned["primary_region"] = Region.objects.filter(
                name__iexact=regions[0]
            ).first()
        self.clean_new_lead_photo(cleaned)
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

    def clean_new_lead_photo(self, cleaned: dict) -> None:
        """A new lead photo needs its file and what it shows; words without a file are a
        photo whose file was lost (a browser drops a chosen file when the form comes back
        with errors), never an article published silently without it."""
        words = [cleaned.get(f"lead_{name}") for name in LEAD_WORDS]
        if cleaned.get("lead_image") and not cleaned.get("lead_alt_text"):
            self.add_error("lead_alt_text", "Say what the photo shows.")
        elif any(words) and not cleaned.get("lead_image") and "lead_image" not in self.errors:
            self.add_error("lead_image", LEAD_FILE_AGAIN)

    def _post_clean(self):
        super()._post_clean()
        data = self.cleaned_data
        if data.get("lead_image") and not self.errors:
            self.new_lead_photo = new_photo(
                self,
                "lead_image",
                alt_text=data["lead_alt_text"],
                caption=data["lead_caption"],
                photographer=data["lead_photographer"],
                agency=data["lead_agency"],
            )

    def add_lead_photo(self) -> None:
        """Put an uploaded lead photo in the library and lead with it; called once the
        whole change form (blocks included) is valid, so a refused save leaves no photo."""
        if self.new_lead_photo:
            self.new_lead_photo.save()
            self.instance.lead_photo = self.new_lead_photo

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


class BylineFormSet(forms.BaseInlineFormSet):
    # Set by the admin when saving a new article adds the writer's own byline.
    default_author: Author | None = None

    def clean(self):
        super().clean()
        if any(self.errors) or self.instance.status != Article.Status.PUBLISHED:
            return
        if self.default_author and not self.instance.pk:
            return
        if not any(
            form.cleaned_data and not form.cleaned_data.get("DELETE") for form in self.forms
        ):
            raise forms.ValidationError("A published article needs at least one author.")


# What the rich-text editor offers, and so what its own sanitiser keeps: paragraphs,
# headings, lists, bold, italic and links; nothing more. ``clean_editorial`` runs after
# it and again when the block is saved, so text typed without the editor (no JavaScript)
# is held to the same editorial policy.
RICH_TEXT = {
    "extensions": {
        "Bold": True,
        "Italic": True,
        "Heading": {"levels": [2, 3, 4]},
        "BulletList": True,
        "OrderedList": True,
        "ListItem": True,
        "HardBreak": True,
        "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
        "History": True,
    }
}


def rich_text_field(**kwargs) -> ProseEditorFormField:
    """The rich-text editor of article text blocks and pages: one editor, one policy."""
    return ProseEditorFormField(
        config=RICH_TEXT,
        # Applied last to first: office markup made plain, the editor's allowlist, then
        # ours, the boundary.
        sanitize=[clean_editorial, create_sanitizer, from_office],
        help_text="Paragraphs, headings and lists, with bold, italic and links.",
        **kwargs,
    )


class TextBlockForm(forms.ModelForm):
    text = rich_text_field()

    class Meta:
        model = TextBlock
        fields = ["text", "ordering", "region"]

    class Media:
        js = ["js/admin-paste.js"]  # Word's lists kept as lists when pasted


class PageForm(forms.ModelForm):
    body = rich_text_field(required=False)

    class Meta:
        model = Page
        fields = ["title", "slug", "body", "published", "in_navigation", "in_footer", "position"]


class QuoteForm(forms.ModelForm):
    """A quote; a speaker quoted before keeps their role unless another is given.

    Its fields are the admin inline's (with the admin's address fields), hence no Meta.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "speaker_role" in self.fields:
            self.fields["speaker_role"].help_text = (
                "E.g. “Iraq's Vice President”. Leave empty to use the role given when "
                "this speaker was last quoted."
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("speaker") and not cleaned.get("speaker_role"):
            cleaned["speaker_role"] = (
                Quote.objects.filter(speaker=cleaned["speaker"])
                .exclude(speaker_role="")
                .order_by("-pk")
                .values_list("speaker_role", flat=True)
                .first()
                or ""
            )
        return cleaned


class BodyPhotoForm(forms.ModelForm):
    """Choose a photo by its thumbnail, or upload a new one here; caption and credit may
    be given for this place only."""

    # Required in the database, not here: an upload below may take its place.
    photo = LibraryPhotoField(required=False, label="From the library")
    new_image = PhotoUploadField(label="…or upload a photo", required=False)
    new_alt_text = forms.CharField(
        label="What the new photo shows",
        max_length=250,
        required=False,
        help_text="For readers using a screen reader. Needed with an upload.",
    )
    new_photographer = forms.CharField(label="Photographer", max_length=120, required=False)
    new_agency = forms.CharField(label="Agency", max_length=120, required=False)
    new_photo: Photo | None = None  # the upload, stored while the form is checked

    class Meta:
        model = BodyPhoto
        fields = ["photo", "caption", "credit", "ordering", "region"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photo"].show_library(self.instance.photo if self.instance.photo_id else None)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("new_image"):
            if not cleaned.get("new_alt_text"):
                self.add_error("new_alt_text", "Say what the photo shows.")
        elif not cleaned.get("photo") and not self.errors:
            self.add_error("photo", "Choose a photo, or upload one.")
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        data = self.cleaned_data
        if data.get("new_image") and not data.get("DELETE") and not self.errors:
            self.new_photo = new_photo(
                self,
                "new_image",
                alt_text=data["new_alt_text"],
                photographer=data["new_photographer"],
                agency=data["new_agency"],
            )

    def save(self, commit=True):
        if self.new_photo:
            self.new_photo.save()
            self.instance.photo = self.new_photo
        return super().save(commit)


class EmbedForm(forms.ModelForm):
    url = forms.URLField(
        label="Address",
        max_length=500,
        assume_scheme="https",
        help_text="The address of the video, post, audio, chart, document or map, as you "
        f"would share it. Supported: {embeds.supported()}.",
    )

    class Meta:
        model = Embed
        fields = ["url", "ordering", "region"]


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
