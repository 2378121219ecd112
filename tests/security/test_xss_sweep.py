"""Hostile vectors through every field a person can write, checked wherever it shows.

Vectors are batched. A text field (standfirst, caption, quote text, correction, author
bio, comment body) takes all of them in one value. A field with a maximum length takes
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
"""

from collections import defaultdict
from datetime import timedelta

import pytest
from django.utils import timezone

from articles import feeds, views
from articles.admin import ArticleAdmin, PhotoAdmin
from articles.markup import EDITORIAL_TAGS, clean_comment, clean_editorial
from articles.models import (
    Article,
    Author,
    BodyPhoto,
    Byline,
    Correction,
    Photo,
    Quote,
    Region,
    Section,
    TaggedRegion,
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


@pytest.fixture
def sweep_settings(settings, monkeypatch):
    settings.COMMENTS_THREADS_PER_PAGE = 10_000
    settings.COMMENTS_MAX_DEPTH = 1
    for view in (
        views.HomeView,
        views.ListingView,
        views.SearchView,
        views.CorrectionsView,
    ):
        monkeypatch.setattr(view, "paginate_by", 10_000)
    monkeypatch.setattr(feeds.LatestFeed, "limit", 10_000)
    for admin_class in (ArticleAdmin, CommentAdmin, PhotoAdmin):
        monkeypatch.setattr(admin_class, "list_per_page", 10_000)


def test_no_vector_survives_any_field_at_any_site(
    sweep_settings, client, admin_client, make_photo, section
):
    vectors = [vector.translate(STORABLE) for vector in corpus()]
    cover = Coverage(vectors)
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
    placeholders = [f"[quote {n + 1}]" for n in range(quote_count)]
    placeholders += [f"[photo {n + 1}]" for n in range(len(photos))]
    # The page makes a block, with its passage links, per top-level element of the body:
    # all vectors would be thousands of blocks. test_sanitiser_every_vector covers the rest.
    body = whole(vectors[:BODY_VECTORS], marker["article body"], " ")
    article = Article.objects.create(
        headline=headlines[0][0],
        kicker=kickers[0][0],
        slug="sweep",
        section=home_section,
        standfirst=values("standfirst", None)[0][0],
        body="\n".join(placeholders) + "\n\n" + body[0][0],
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
            number=n + 1,
            speaker=speakers[n][0] if n < len(speakers) else "x",
            speaker_role=roles[n][0] if n < len(roles) else "",
            text=quote_texts[n][0] if n < len(quote_texts) else "x",
        )
        for n in range(quote_count)
    )
    BodyPhoto.objects.bulk_create(
        BodyPhoto(article=article, number=n + 1, photo=photo) for n, photo in enumerate(photos)
    )
    Correction.objects.create(article=article, text=values("correction", None)[0][0])
    carriers = Article.objects.bulk_create(
        Article(
            headline=headlines[n][0] if n < len(headlines) else "x",
            kicker=kickers[n][0] if n < len(kickers) else "",
            slug=f"carrier-{n}",
            section=home_section,
            standfirst="zqsweep",
            body="<p>zqarticlebodyq</p>",
            status=Article.Status.PUBLISHED,
            publish_at=now - timedelta(minutes=2 + n),
        )
        for n in range(1, CARRIERS)
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
    shown_comments = [c for c in comment_rows if c.status == Comment.Status.APPROVED]
    shown_names = [
        names[n] for n, c in enumerate(comment_rows) if c in shown_comments and n < len(names)
    ]

    # --- What each site shows -------------------------------------------------------------
    carried = CARRIERS
    everywhere_html = {"section name": sections}
    article_fields = {
        "headline": headlines[:1],
        "kicker": kickers[:1],
        "standfirst": values("standfirst", None),
        "article body": body,
        "caption": captions + [(p.caption, []) for p in photos],
        "photographer": photographers,
        "agency": agencies,
        "alt text": alts,
        "quote text": quote_texts,
        "quote speaker": speakers,
        "quote role": roles,
        "correction": values("correction", None),
        "region name": regions,
        "author name": authors,
        "comment name": shown_names,
        "comment body": [
            bodies[n] for n, c in enumerate(comment_rows) if c in shown_comments and n < len(bodies)
        ],
    }
    listing_fields = {
        "headline": headlines[:carried],
        "kicker": kickers[:carried],
        "standfirst": values("standfirst", None),
        "author name": authors,
    }
    url = article.get_absolute_url()
    pages = {
        "article page": (url, article_fields, False),
        "home": ("/", listing_fields, False),
        "section listing": (
            home_section.get_absolute_url(),
            {**listing_fields, "section name": sections},
            False,
        ),
        "region listing": (
            region_rows[0].get_absolute_url(),
            {**listing_fields, "region name": regions[:1]},
            False,
        ),
        "author listing": (
            author_rows[0].get_absolute_url(),
            {**listing_fields, "author bio": values("author bio", None)},
            False,
        ),
        "search results": ("/search/?q=zqarticlebodyq", listing_fields, False),
        "comments page": (
            f"/comments/article/{article.pk}/",
            {
                "headline": headlines[:1],
                "kicker": kickers[:1],
                "comment name": shown_names,
                "comment body": article_fields["comment body"],
            },
            False,
        ),
        "corrections archive": (
            "/corrections/",
            {
                "headline": headlines[:1],
                "kicker": kickers[:1],
                "correction": values("correction", None),
            },
            False,
        ),
        "admin articles": (
            "/admin/articles/article/",
            {
                "headline": headlines[:carried],
                "kicker": kickers[:carried],
                "section name": sections,
                "author name": authors,
                "region name": regions,
            },
            True,
        ),
        "admin photos": (
            "/admin/articles/photo/",
            {"photographer": photographers, "agency": agencies, "alt text": alts},
            True,
        ),
        "moderation queue": (
            "/admin/comments/comment/",
            {
                "headline": headlines[:1],
                "kicker": kickers[:1],
                "section name": sections,
                "comment name": names,
                "comment body": queued_bodies,
            },
            True,
        ),
    }
    for site, (address, fields, admin) in pages.items():
        response = (admin_client if admin else client).get(address)
        assert response.status_code == 200, site
        output = response.content.decode()
        found = oracle.page_findings(output, admin=admin, parser=PARSER)
        if not admin:
            fields = {**everywhere_html, **fields}
        cover.check(site, found, output, {f: marker[f] for f in fields})
        for field, shown in fields.items():
            cover.add(site, field, shown)

    # JSON-LD: the article page's structured data, parsed as JSON by the page check above.
    json_ld = {
        "headline": headlines[:1],
        "kicker": kickers[:1],
        "standfirst": values("standfirst", None),
        "author name": authors,
        "section name": sections[:1],
        "region name": regions,
        "caption": captions,
        "photographer": photographers[:1],
        "agency": agencies[:1],
        "alt text": alts[:1],
    }
    scripts = [
        node
        for node in oracle.parse(client.get(url).content.decode(), PARSER).walk()
        if node.tag == "script" and node.attrs.get("type") == "application/ld+json"
    ]
    assert len(scripts) == 2
    text = "".join(script.text for script in scripts)
    cover.check(
        "JSON-LD",
        [f for s in scripts for f in oracle.json_ld_findings(s.text)],
        text,
        {f: marker[f] for f in json_ld},
    )
    for field, shown in json_ld.items():
        cover.add("JSON-LD", field, shown)

    feed_fields = {
        "headline": headlines[:carried],
        "kicker": kickers[:carried],
        "standfirst": values("standfirst", None),
        "author name": authors,
        "section name": sections[:1],
        "region name": regions,
        "caption": captions,
        "photographer": photographers[:1],
        "agency": agencies[:1],
    }
    for site, address in (("RSS", "/rss/"), ("Atom", "/atom/")):
        response = client.get(address)
        found, items = oracle.feed_findings(response.content, parser=PARSER)
        assert items == CARRIERS, site
        cover.check(site, found, response.content.decode(), {f: marker[f] for f in feed_fields})
        for field, shown in feed_fields.items():
            cover.add(site, field, shown)

    # Notification mails: a reply (the commenter's name in the subject) per comment, and a
    # new-comment mail (the headline in the subject) per carrier article.
    mail_found, mail_text = [], []
    replies = Subscription(article=article, email="sub@example.org", kind=Subscription.Kind.REPLIES)
    for comment in comment_rows:
        message = notification_mail(comment, replies)
        mail_found += oracle.mail_findings(message, PARSER)
        mail_text.append(f"{message.subject}\n{message.body}")
    for carrier in [article, *carriers]:
        comment = Comment(pk=1, article=carrier, name="x", email="x@example.org", body="x")
        everyone = Subscription(
            article=carrier, email="sub@example.org", kind=Subscription.Kind.ALL
        )
        message = notification_mail(comment, everyone)
        mail_found += oracle.mail_findings(message, PARSER)
        mail_text.append(message.subject)
    mail_fields = {
        "comment name": names,
        "comment body": bodies,
        "headline": headlines[:carried],
        "kicker": kickers[:carried],
    }
    cover.check(
        "notification mail", mail_found, "\n".join(mail_text), {f: marker[f] for f in mail_fields}
    )
    for field, shown in mail_fields.items():
        cover.add("notification mail", field, shown)

    # --- The figure -------------------------------------------------------------------------
    sites = sorted({site for site, _ in cover.shown})
    fields = sorted({field for _, field in cover.shown})
    checks = sum(len(indices) for indices in cover.shown.values())
    partial = {
        (site, field): len(indices)
        for (site, field), indices in cover.shown.items()
        if len(indices) < len(vectors)
    }
    print(f"\nXSS vectors: {counts()}")
    print(
        f"XSS sweep: {len(vectors)} vectors × {len(fields)} fields × {len(sites)} render sites: "
        f"{checks} (vector, field, site) checks over {len(cover.shown)} field-site pairs, "
        f"{len(cover.findings)} flagged"
    )
    print(
        f"pairs with every vector: {len(cover.shown) - len(partial)}; with fewer: "
        + ", ".join(f"{field}@{site} {n}" for (site, field), n in sorted(partial.items()))
    )
    for finding in cover.findings[:20]:
        print("  ", finding)
    assert len(vectors) >= 5000
    assert set(fields) == set(FIELD_NAMES)
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
]


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
