import itertools
import logging
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.utils import timezone

from articles import body
from articles.images import build_renditions
from articles.models import (
    Article,
    Author,
    BodyPhoto,
    Byline,
    Correction,
    Photo,
    Quote,
    ReadMore,
    Region,
    RelatedLink,
    Section,
    TextBlock,
)
from comments.forms import form_token
from comments.models import Comment
from tests.helpers.images import jpeg_bytes

_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Uploads go to a temporary folder; static files need no collectstatic in tests."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.SECURE_SSL_REDIRECT = False
    cache.clear()  # cached pages and counters never leak from one test into another


@pytest.fixture
def section(db):
    return Section.objects.create(name="World", slug="world")


@pytest.fixture
def make_section(db):
    def make(name=None, **kwargs):
        n = next(_counter)
        name = name or f"Section {n}"
        return Section.objects.create(name=name, slug=f"section-{n}", **kwargs)

    return make


@pytest.fixture
def make_region(db):
    def make(name=None):
        n = next(_counter)
        name = name or f"Region {n}"
        return Region.objects.create(name=name, slug=f"region-{n}")

    return make


@pytest.fixture
def make_author(db):
    def make(name=None, **kwargs):
        n = next(_counter)
        return Author.objects.create(name=name or f"Writer {n}", slug=f"writer-{n}", **kwargs)

    return make


@pytest.fixture
def make_photo(db):
    """Build a photo; ``renditions=True`` also makes its renditions, as the admin does."""

    def make(*, renditions=False, size=(64, 48), **kwargs):
        photo = Photo(
            alt_text=kwargs.pop("alt_text", "A test photo"),
            caption=kwargs.pop("caption", "A caption"),
            photographer=kwargs.pop("photographer", "Ana Lens"),
            agency=kwargs.pop("agency", "Wire"),
            **kwargs,
        )
        photo.image.save(f"test-{next(_counter)}.jpg", ContentFile(jpeg_bytes(*size)), save=False)
        photo.save()
        if renditions:
            build_renditions(photo)
        return photo

    return make


def write_body(article, body_or_blocks) -> None:
    """An article's body from HTML (a text block per paragraph) or from unsaved blocks."""
    if isinstance(body_or_blocks, str):
        body_or_blocks = body.text_blocks(body_or_blocks)
    body.write_blocks(article, body_or_blocks)


@pytest.fixture
def make_article(db, section):
    """Build an article; published an hour ago unless told otherwise.

    Its body is ``blocks`` (unsaved blocks of any kind, in order), else ``body``: HTML
    cut into one text block per paragraph.
    """

    # Each article of a test a minute older than the one before: counted per test, so a
    # test sees the same times whatever ran before it (the run's counter keeps slugs apart).
    made = itertools.count()

    def make(headline=None, *, regions=(), authors=(), body=None, blocks=None, **kwargs):
        n = next(_counter)
        kwargs.setdefault("status", Article.Status.PUBLISHED)
        if kwargs["status"] == Article.Status.PUBLISHED:
            older = next(made)
            kwargs.setdefault("publish_at", timezone.now() - timedelta(hours=1, minutes=older))
        kwargs.setdefault("section", section)
        if body is None:
            body = f"<p>Paragraph one of story {n}.</p><p>Paragraph two.</p>"
        article = Article.objects.create(
            headline=headline or f"Story number {n}", slug=f"story-{n}", **kwargs
        )
        write_body(article, blocks if blocks is not None else body)
        if regions:
            article.regions.set(regions)
        for position, author in enumerate(authors):
            Byline.objects.create(article=article, author=author, position=position)
        return article

    return make


@pytest.fixture
def reference_article(make_article, make_region, make_author, make_photo):
    """An article with every part of the reference page."""
    iraq, syria = make_region("Iraq"), make_region("Syria")
    other = make_article("Kurdish gas deal signed", primary_region=iraq, regions=[iraq])
    sidebar = make_article("Aid convoys reach the north", primary_region=syria, regions=[syria])
    article = make_article(
        "Vice President says funds will be audited",
        primary_region=iraq,
        regions=[iraq, syria],
        authors=[make_author("Amira Khalil"), make_author("Leila Farouk")],
        lead_photo=make_photo(
            caption="Rubble in the old city",
            photographer="Rami Haddad",
            agency="Meridian",
            alt_text="A street of ruined houses",
        ),
        standfirst="Every contract will be published online.",
        blocks=[
            TextBlock(text="<p>First paragraph about the register.</p>"),
            Quote(
                text="Every dinar belongs to the people.",
                speaker="Karim al-Naseri",
                speaker_role="Iraq's Vice President",
            ),
            TextBlock(text="<p>Second paragraph about donors.</p>"),
            ReadMore(target=other),
            TextBlock(text="<p>Third paragraph.</p>"),
            Quote(
                text="A list is only a beginning.",
                speaker="Samira Yousef",
                speaker_role="coalition director",
            ),
            BodyPhoto(photo=make_photo(caption="Surveyors at work", alt_text="Surveyors")),
            TextBlock(text="<p>Last paragraph.</p>"),
        ],
    )
    RelatedLink.objects.create(article=article, position=1, target=sidebar)
    RelatedLink.objects.create(
        article=article, position=2, url="https://example.org/report", title="The auditors' report"
    )
    Correction.objects.create(article=article, text="The register is updated monthly, not weekly.")
    article.refresh_from_db()
    return article


@pytest.fixture
def make_staff(db, django_user_model):
    """A staff user in one of the newsroom's role groups."""

    def make(role, username=None):
        user = django_user_model.objects.create_user(
            username=username or f"{role.lower()}{next(_counter)}",
            password="correct-horse-battery",
            is_staff=True,
        )
        user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def author_user(make_staff, make_author):
    """An Author-role account with its own byline profile."""
    user = make_staff("Author")
    make_author("Nadia Rahman", user=user)
    return user


@pytest.fixture
def editor_user(make_staff):
    return make_staff("Editor")


@pytest.fixture
def old_token(settings):
    """A form token made long enough ago to pass the too-fast check."""

    def make(article_id: int, age: float | None = None) -> str:
        age = settings.COMMENTS_MIN_SECONDS + 5 if age is None else age
        with time_machine.travel(timezone.now() - timedelta(seconds=age), tick=False):
            return form_token(article_id)

    return make


@pytest.fixture
def post_comment(client, old_token):
    """POST the comment form as a reader's browser would, filling what a person fills."""

    def post(article, using=None, headers=None, **fields):
        data = {
            "name": "Reader One",
            "email": "reader@example.org",
            "body": "A thoughtful comment.",
            "notify": "",
            "parent": "",
            "anchor": "",
            "excerpt": "",
            "website": "",
            "ts": old_token(article.pk),
        }
        data.update(fields)
        return (using or client).post(
            f"/comments/article/{article.pk}/post/",
            data,
            REMOTE_ADDR=fields.pop("ip", "203.0.113.7"),
            headers=headers,
        )

    return post


@pytest.fixture
def make_comment(db):
    def make(article, **kwargs):
        kwargs.setdefault("name", "Commenter")
        kwargs.setdefault("email", "commenter@example.org")
        kwargs.setdefault("body", "Words.")
        kwargs.setdefault("body_html", f"<p>{kwargs['body']}</p>")
        kwargs.setdefault("status", Comment.Status.APPROVED)
        kwargs.setdefault("notified_at", None)
        return Comment.objects.create(article=article, **kwargs)

    return make


@pytest.fixture
def confirmed_address(db):
    """An address its owner proved by opening a mailed link (what trust requires, with the
    browser's verified cookie for it)."""

    def confirm(email):
        from comments.readers import confirm, reader_for

        reader = reader_for(email)
        confirm(reader)
        return reader

    return confirm


@pytest.fixture(scope="session")
def s3_server():
    """A real S3 API (moto's server) on 127.0.0.1 for the whole session; its endpoint URL.

    Started only when a test asks for it, on a free port, and stopped at the end."""
    from moto.server import ThreadedMotoServer

    requests_log = logging.getLogger("werkzeug")  # a line per request would drown failures
    level = requests_log.level
    requests_log.setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
    requests_log.setLevel(level)
