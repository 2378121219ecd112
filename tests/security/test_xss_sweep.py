"""Hostile vectors through every field a person can write, checked wherever it shows.

Vectors are batched. A text field (standfirst, caption, quote text, correction, author
bio, comment body, page body) takes all of them in one value. A field with a maximum length takes
them packed into values that fit (a longer vector cut to the length, as the admin form
would refuse more), one row each: regions, authors, photos, quotes and comments are many
per article, so one article page shows many. Rendering time bounds the rows (ROWS), the
carrier articles of headline and kicker (CARRIERS) and the body vectors on the page
(BODY_VECTORS): those pairs see a part of the corpus, and the printed figure counts only
what was really shown. Every vector goes alone through the editorial policy in
test_sanitiser_every_vector, and through both policies in the Hypothesis properties.

Each (field, site) pair is also checked to be real: the field's first value starts with a
marker word that must appear in that site's output. Pages are parsed with Lexbor (see
oracle.py) so the sweep stays within a minute or so.

The site is built once per test by the ``sweep`` fixture; each test renders one kind of
output (public pages, admin lists, structured data, feeds, mails) and says which fields it
shows, and test_every_field_is_swept_somewhere checks that together they cover them all.
"""

from collections import defaultdict
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from articles import feeds, views
from articles.admin import ArticleAdmin, PageAdmin, PhotoAdmin
from articles.body import text_blocks, write_blocks
from articles.markup import EDITORIAL_TAGS, clean_comment, clean_editorial
from articles.models import (
    Article,
    Author,
    BodyPhoto,
    Byline,
    Correction,
    Page,
    Photo,
    Quote,
    Region,
    Section,
    TaggedRegion,
    TextBlock,
)
from comments.admin import CommentAdmin
from comments.models import Comment, Subscription
from comments.notifications import notification_mail

from . import oracle
from .vectors import corpus, counts, pack, whole

PARSER = "lexbor"
CARRIERS = 100  # articles carrying headline and kicker packs
BODY_VECTORS = 400  # vectors in the article body shown on the page
ROWS = 120  # rows per bounded field (regions, authors, photos, quotes, comments, sections)
# Forms refuse NUL and PostgreSQL cannot store it. The other C0 controls are stored as
# typed and go everywhere, feeds and sitemaps included (XML cannot carry them: the feeds
# must drop them rather than fail).
STORABLE = {0: "\ufffd"}


class Coverage:
    """Which vectors each field showed at each site, and whether the field was there."""

    def __init__(self, vectors):
        self.vectors = vectors
        self.shown = defaultdict(set)
        self.findings = []

    def add(self, site, field, values):
        for _value, indices in values:
            self.shown[site, field].update(indices)

    def check(self, site, found, output, markers):
        self.findings += [f"{site}: {finding}" for finding in found]
        lowered = output.lower()
        for field, marker in markers.items():
            assert marker.lower() in lowered, f"{field} is not shown at {site}"

    def report(self, what):
        """Print how many (vector, field, site) checks ran; the figure counts only what was
        really shown."""
        sites = sorted({site for site, _ in self.shown})
        fields = sorted({field for _, field in self.shown})
        checks = sum(len(indices) for indices in self.shown.values())
        partial = {
            (site, field): len(indices)
            for (site, field), indices in self.shown.items()
            if len(indices) < len(self.vectors)
        }
        print(
            f"\nXSS sweep, {what}: {len(self.vectors)} vectors × {len(fields)} fields × "
            f"{len(sites)} render sites: {checks} (vector, field, site) checks over "
            f"{len(self.shown)} field-site pairs, {len(self.findings)} flagged"
        )
        print(
            f"pairs with every vector: {len(self.shown) - len(partial)}; with fewer: "
            + ", ".join(f"{field}@{site} {n}" for (site, field), n in sorted(partial.items()))
        )
        for finding in self.findings[:20]:
            print("  ", finding)

    def fields(self) -> set[str]:
        return {field for _, field in self.shown}


@pytest.fixture
def sweep_settings(settings, monkeypatch):
    settings.COMMENTS_THREADS_PER_PAGE = 10_000
    settings.COMMENTS_MAX_DEPTH = 1
    for view in (
        views.HomeView,
        views.ListingView,
        views.SearchView,
        views.CorrectionsView,
        views.IndexView,
    ):
        monkeypatch.setattr(view, "paginate_by", 10_000)
    monkeypatch.setattr(feeds.LatestFeed, "limit", 10_000)
    for admin_class in (ArticleAdmin, CommentAdmin, PhotoAdmin, PageAdmin):
        monkeypatch.setattr(admin_class, "list_per_page", 10_000)


@pytest.fixture
def sweep(sweep_settings, make_photo, section):
    """The whole site written with the vectors: every field a person can write, packed."""
    vectors = [vector.translate(STORABLE) for vector in corpus()]
    marker = {name: f"zq{name.replace(' ', '')}q" for name in FIELD_NAMES}

    def values(name, cap):
        return pack(vectors, cap, marker[name])[:ROWS] if cap else whole(vectors, marker[name])

    sections = values("section name", 80)
    regions = values("region name", 100)
    authors = values("author name", 120)
    photographers, agencies = values("photographer", 120), values("agency", 120)
    alts, captions = values("alt text", 250), values("caption", None)
    speakers, roles = values("quote speaker", 120), values("quote role", 160)
    quote_texts = values("quote text", 4000)
    names, bodies = values("comment name", 80), values("comment body", 4000)
    # The queue shows a comment's first 160 characters: count the vector each one starts with.
    queued_bodies = [(value, indices[:1]) for value, indices in bodies]
    headlines, kickers = pack(vectors, 200, marker["headline"]), pack(vectors, 40, marker["kicker"])
    now = timezone.now()

    # --- Build ---------------------------------------------------------------------------
    Section.objects.bulk_create(
        Section(name=value, slug=f"sweep-{n}", position=n + 1)
        for n, (value, _) in enumerate(sections)
    )
    home_section = Section.objects.get(slug="sweep-0")
    region_rows = Region.objects.bulk_create(
        Region(name=value, slug=f"sweep-{n}") for n, (value, _) in enumerate(regions)
    )
    author_rows = Author.objects.bulk_create(
        Author(
            name=value, slug=f"sweep-{n}", bio=values("author bio", None)[0][0] if n == 0 else ""
        )
        for n, (value, _) in enumerate(authors)
    )
    lead = make_photo(
        caption=captions[0][0],
        photographer=photographers[0][0],
        agency=agencies[0][0],
        alt_text=alts[0][0],
    )
    photos = Photo.objects.bulk_create(
        Photo(
            image=lead.image.name,
            width=lead.width,
            height=lead.height,
            photographer=photographers[n][0] if n < len(photographers) else "",
            agency=agencies[n][0] if n < len(agencies) else "",
            alt_text=alts[n][0] if n < len(alts) else "x",
            caption="",
        )
        for n in range(max(len(photographers), len(agencies), len(alts)))
    )
    quote_count = max(len(speakers), len(roles), len(quote_texts))
    # The page makes a block, with its passage links, per top-level element of the body:
    # all vectors would be thousands of blocks. test_sanitiser_every_vector covers the rest.
    body = whole(vectors[:BODY_VECTORS], marker["article body"], " ")
    article = Article.objects.create(
        headline=headlines[0][0],
        kicker=kickers[0][0],
        slug="sweep",
        section=home_section,
        standfirst=values("standfirst", None)[0][0],
        lead_photo=lead,
        primary_region=region_rows[0],
        status=Article.Status.PUBLISHED,
        publish_at=now - timedelta(minutes=1),
    )
    TaggedRegion.objects.bulk_create(
        TaggedRegion(content_object=article, tag=region) for region in region_rows
    )
    Byline.objects.bulk_create(
        Byline(article=article, author=author, position=n) for n, author in enumerate(author_rows)
    )
    Quote.objects.bulk_create(
        Quote(
            article=article,
            ordering=n + 1,
            speaker=speakers[n][0] if n < len(speakers) else "x",
            speaker_role=roles[n][0] if n < len(roles) else "",
            text=quote_texts[n][0] if n < len(quote_texts) else "x",
        )
        for n in range(quote_count)
    )
    BodyPhoto.objects.bulk_create(
        BodyPhoto(article=article, ordering=500 + n, photo=photo) for n, photo in enumerate(photos)
    )
    write_blocks(article, text_blocks(body[0][0]), start=1000)
    Correction.objects.create(article=article, text=values("correction", None)[0][0])
    carriers = Article.objects.bulk_create(
        Article(
            headline=headlines[n][0] if n < len(headlines) else "x",
            kicker=kickers[n][0] if n < len(kickers) else "",
            slug=f"carrier-{n}",
            section=home_section,
            standfirst="zqsweep",
            status=Article.Status.PUBLISHED,
            publish_at=now - timedelta(minutes=2 + n),
        )
        for n in range(1, CARRIERS)
    )
    TextBlock.objects.bulk_create(
        TextBlock(article=carrier, text="<p>zqarticlebodyq</p>") for carrier in carriers
    )
    Byline.objects.bulk_create(
        Byline(article=carrier, author=author_rows[0]) for carrier in carriers
    )
    TaggedRegion.objects.bulk_create(
        TaggedRegion(content_object=carrier, tag=region_rows[0]) for carrier in carriers
    )
    comment_rows = Comment.objects.bulk_create(
        Comment(
            article=article,
            name=names[n][0] if n < len(names) else "x",
            email=f"c{n}@example.org",
            body=bodies[n][0] if n < len(bodies) else "x",
            body_html=clean_comment(bodies[n][0] if n < len(bodies) else "x"),
            status=Comment.Status.PENDING if n % 2 else Comment.Status.APPROVED,
        )
        for n in range(max(len(names), len(bodies)))
    )
    # The site's own pages: their titles in the navigation and footer of every page, the
    # first one's body (saved, so cleaned as an editor's save is) with every vector.
    page_titles = values("page title", 120)
    page_body = whole(vectors, marker["page body"])
    site_page = Page.objects.create(
        title=page_titles[0][0], slug="sweep-page-0", body=page_body[0][0], published=True,
        in_navigation=True, in_footer=True,
    )  # fmt: skip
    Page.objects.bulk_create(
        Page(title=value, slug=f"sweep-page-{n}", published=True, in_navigation=True,
             in_footer=True, position=n)
        for n, (value, _) in enumerate(page_titles[1:], start=1)
    )  # fmt: skip
    shown_comments = [c for c in comment_rows if c.status == Comment.Status.APPROVED]
    shown_names = [
        names[n] for n, c in enumerate(comment_rows) if c in shown_comments and n < len(names)
    ]

    return SimpleNamespace(
        page_titles=page_titles,
        page_body=page_body,
        site_page=site_page,
        vectors=vectors,
        marker=marker,
        values=values,
        sections=sections,
        regions=regions,
        authors=authors,
        photographers=photographers,
        agencies=agencies,
        alts=alts,
        captions=captions,
        speakers=speakers,
        roles=roles,
        quote_texts=quote_texts,
        names=names,
        bodies=bodies,
        queued_bodies=queued_bodies,
        headlines=headlines,
        kickers=kickers,
        body=body,
        home_section=home_section,
        region_rows=region_rows,
        author_rows=author_rows,
        photos=photos,
        article=article,
        carriers=carriers,
        comment_rows=comment_rows,
        shown_names=shown_names,
        shown_bodies=[
            bodies[n] for n, c in enumerate(comment_rows) if c in shown_comments and n < len(bodies)
        ],
    )


def public_pages(s):
    """Each public page: its address and the fields it shows, with the values it shows."""
    carried = CARRIERS
    article_fields = {
        "headline": s.headlines[:1],
        "kicker": s.kickers[:1],
        "standfirst": s.values("standfirst", None),
        "article body": s.body,
        "caption": s.captions + [(p.caption, []) for p in s.photos],
        "photographer": s.photographers,
        "agency": s.agencies,
        "alt text": s.alts,
        "quote text": s.quote_texts,
        "quote speaker": s.speakers,
        "quote role": s.roles,
        "correction": s.values("correction", None),
        "region name": s.regions,
        "author name": s.authors,
        "comment name": s.shown_names,
        "comment body": s.shown_bodies,
    }
    listing_fields = {
        "headline": s.headlines[:carried],
        "kicker": s.kickers[:carried],
        "standfirst": s.values("standfirst", None),
        "author name": s.authors,
    }
    return {
        "article page": (s.article.get_absolute_url(), article_fields),
        "home": ("/", listing_fields),
        "section listing": (
            s.home_section.get_absolute_url(),
            {**listing_fields, "section name": s.sections},
        ),
        "region listing": (
            s.region_rows[0].get_absolute_url(),
            {**listing_fields, "region name": s.regions[:1]},
        ),
        "author listing": (
            s.author_rows[0].get_absolute_url(),
            {**listing_fields, "author bio": s.values("author bio", None)},
        ),
        "search results": ("/search/?q=zqarticlebodyq", listing_fields),
        "comments page": (
            f"/comments/article/{s.article.pk}/",
            {
                "headline": s.headlines[:1],
                "kicker": s.kickers[:1],
                "comment name": s.shown_names,
                "comment body": s.shown_bodies,
            },
        ),
        "section index": (
            "/section/",
            {"headline": s.headlines[:1], "kicker": s.kickers[:1], "section name": s.sections},
        ),
        "region index": (
            "/region/",
            {"headline": s.headlines[:1], "kicker": s.kickers[:1], "region name": s.regions},
        ),
        "site page": (
            s.site_page.get_absolute_url(),
            {"page title": s.page_titles, "page body": s.page_body},
        ),
        "corrections archive": (
            "/corrections/",
            {
                "headline": s.headlines[:1],
                "kicker": s.kickers[:1],
                "correction": s.values("correction", None),
            },
        ),
    }


def admin_pages(s):
    """Each admin list: its address and the fields it shows, with the values it shows."""
    carried = CARRIERS
    return {
        "admin articles": (
            "/admin/articles/article/",
            {
                "headline": s.headlines[:carried],
                "kicker": s.kickers[:carried],
                "section name": s.sections,
                "author name": s.authors,
                "region name": s.regions,
            },
        ),
        "admin pages": ("/admin/articles/page/", {"page title": s.page_titles}),
        "admin photos": (
            "/admin/articles/photo/",
            {"photographer": s.photographers, "agency": s.agencies, "alt text": s.alts},
        ),
        "moderation queue": (
            "/admin/comments/comment/",
            {
                "headline": s.headlines[:1],
                "kicker": s.kickers[:1],
                "section name": s.sections,
                "comment name": s.names,
                "comment body": s.queued_bodies,
            },
        ),
    }


def sweep_pages(s, cover, browser, pages, *, admin):
    for site, (address, fields) in pages.items():
        response = browser.get(address)
        assert response.status_code == 200, site
        output = response.content.decode()
        found = oracle.page_findings(output, admin=admin, parser=PARSER)
        if not admin:
            fields = {"section name": s.sections, **fields}  # every public page shows them
        cover.check(site, found, output, {f: s.marker[f] for f in fields})
        for field, shown in fields.items():
            cover.add(site, field, shown)


def test_no_vector_survives_on_any_public_page(sweep, client):
    cover = Coverage(sweep.vectors)
    sweep_pages(sweep, cover, client, public_pages(sweep), admin=False)
    cover.report("public pages")
    assert cover.fields() == PUBLIC_PAGE_FIELDS
    assert cover.findings == []


def test_no_vector_survives_in_any_admin_list(sweep, admin_client):
    cover = Coverage(sweep.vectors)
    sweep_pages(sweep, cover, admin_client, admin_pages(sweep), admin=True)
    cover.report("admin lists")
    assert cover.fields() == ADMIN_LIST_FIELDS
    assert cover.findings == []


def test_no_vector_survives_in_the_article_json_ld(sweep, client):
    s = sweep
    cover = Coverage(s.vectors)
    json_ld = {
        "headline": s.headlines[:1],
        "kicker": s.kickers[:1],
        "standfirst": s.values("standfirst", None),
        "author name": s.authors,
        "section name": s.sections[:1],
        "region name": s.regions,
        "caption": s.captions,
        "photographer": s.photographers[:1],
        "agency": s.agencies[:1],
        "alt text": s.alts[:1],
    }
    scripts = [
        node
        for node in oracle.parse(client.get(s.article.get_absolute_url()).content.decode(),
                                 PARSER).walk()
        if node.tag == "script" and node.attrs.get("type") == "application/ld+json"
    ]  # fmt: skip
    assert len(scripts) == 2
    text = "".join(script.text for script in scripts)
    cover.check(
        "JSON-LD",
        [f for script in scripts for f in oracle.json_ld_findings(script.text)],
        text,
        {f: s.marker[f] for f in json_ld},
    )
    for field, shown in json_ld.items():
        cover.add("JSON-LD", field, shown)
    cover.report("structured data")
    assert cover.fields() == JSON_LD_FIELDS
    assert cover.findings == []


def test_no_vector_survives_in_the_rss_and_atom_feeds(sweep, client):
    s = sweep
    cover = Coverage(s.vectors)
    feed_fields = {
        "headline": s.headlines[:CARRIERS],
        "kicker": s.kickers[:CARRIERS],
        "standfirst": s.values("standfirst", None),
        "author name": s.authors,
        "section name": s.sections[:1],
        "region name": s.regions,
        "caption": s.captions,
        "photographer": s.photographers[:1],
        "agency": s.agencies[:1],
    }
    for site, address in (("RSS", "/rss/"), ("Atom", "/atom/")):
        response = client.get(address)
        found, items = oracle.feed_findings(response.content, parser=PARSER)
        assert items == CARRIERS, site
        cover.check(site, found, response.content.decode(), {f: s.marker[f] for f in feed_fields})
        for field, shown in feed_fields.items():
            cover.add(site, field, shown)
    cover.report("feeds")
    assert cover.fields() == FEED_FIELDS
    assert cover.findings == []


def test_no_vector_survives_in_notification_mails(sweep):
    """A reply mail (the commenter's name in the subject) per comment, and a new-comment
    mail (the headline in the subject) per carrier article."""
    s = sweep
    cover = Coverage(s.vectors)
    mail_found, mail_text = [], []
    replies = Subscription(
        article=s.article, email="sub@example.org", kind=Subscription.Kind.REPLIES
    )
    for comment in s.comment_rows:
        message = notification_mail(comment, replies)
        mail_found += oracle.mail_findings(message, PARSER)
        mail_text.append(f"{message.subject}\n{message.body}")
    for carrier in [s.article, *s.carriers]:
        comment = Comment(pk=1, article=carrier, name="x", email="x@example.org", body="x")
        everyone = Subscription(
            article=carrier, email="sub@example.org", kind=Subscription.Kind.ALL
        )
        message = notification_mail(comment, everyone)
        mail_found += oracle.mail_findings(message, PARSER)
        mail_text.append(message.subject)
    mail_fields = {
        "comment name": s.names,
        "comment body": s.bodies,
        "headline": s.headlines[:CARRIERS],
        "kicker": s.kickers[:CARRIERS],
    }
    cover.check(
        "notification mail",
        mail_found,
        "\n".join(mail_text),
        {f: s.marker[f] for f in mail_fields},
    )
    for field, shown in mail_fields.items():
        cover.add("notification mail", field, shown)
    cover.report("notification mails")
    assert cover.fields() == MAIL_FIELDS
    assert cover.findings == []


FIELD_NAMES = [
    "comment body",
    "comment name",
    "article body",
    "standfirst",
    "headline",
    "kicker",
    "caption",
    "photographer",
    "agency",
    "alt text",
    "quote text",
    "quote speaker",
    "quote role",
    "correction",
    "region name",
    "section name",
    "author name",
    "author bio",
    "page title",
    "page body",
]


# The fields each kind of output shows; each sweep test checks that it showed exactly these.
PUBLIC_PAGE_FIELDS = set(FIELD_NAMES)
ADMIN_LIST_FIELDS = {
    "headline", "kicker", "section name", "author name", "region name",
    "photographer", "agency", "alt text", "comment name", "comment body", "page title",
}  # fmt: skip
JSON_LD_FIELDS = {
    "headline", "kicker", "standfirst", "author name", "section name", "region name",
    "caption", "photographer", "agency", "alt text",
}  # fmt: skip
FEED_FIELDS = JSON_LD_FIELDS - {"alt text"}
MAIL_FIELDS = {"comment name", "comment body", "headline", "kicker"}


def test_every_field_is_swept_somewhere():
    swept = PUBLIC_PAGE_FIELDS | ADMIN_LIST_FIELDS | JSON_LD_FIELDS | FEED_FIELDS | MAIL_FIELDS
    assert swept == set(FIELD_NAMES)


def test_the_corpus_holds_at_least_five_thousand_vectors():
    vectors = corpus()
    print(f"\nXSS vectors: {counts()}")
    assert len(vectors) >= 5000


def test_sanitiser_every_vector():
    """Each vector alone through the editorial policy (the comment policy gets them all,
    packed, in the sweep above): what comes out passes the oracle."""
    found = [
        f"{vector[:60]!r}: {finding}"
        for vector in corpus()
        for finding in oracle.check_fragment(clean_editorial(vector), EDITORIAL_TAGS, parser=PARSER)
    ]
    print(f"\nsanitiser: {len(corpus())} vectors one by one, {len(found)} flagged")
    assert found == []
