"""No unpublished article reaches a reader: every public URL, fetched anonymously.

The resolver's own list of URL patterns is walked, so a new public URL fails this test
until it says how to fill its parameters. Each pattern is filled from real objects (the
secret articles' own ids, slugs, sections, regions and authors included), and every
body and redirect is searched for anything that would give a secret article away.
"""

import time
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from articles import sitemaps
from articles.models import Article, Correction, Page, Quote, ReadMore, RelatedLink
from articles.previews import PREVIEW_SALT, preview_token
from comments import notifications, readers
from comments.forms import FORM_SALT
from comments.models import Comment, ReaderLink, Subscription
from newsroom.newsletters import tokens as newsletter_tokens
from newsroom.newsletters import webhooks as newsletter_webhooks
from newsroom.newsletters.models import Edition, EditionItem, Newsletter
from newsroom.redirects.models import LegacyPath

# Far ahead, so a scheduled article stays in the future whatever the clock says.
LATER = timezone.now() + timedelta(days=3650)


def named_patterns(resolver=None, namespace="") -> dict[str, list[str]]:
    """Every named URL pattern as ``namespace:name`` → its parameter names; admin aside."""
    resolver = resolver or get_resolver()
    found = {}
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # staff only; the access matrix covers it
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found |= named_patterns(pattern, inner)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"unnamed URL pattern {pattern.pattern}: name it"
            keys = list(pattern.pattern.regex.groupindex)
            found[f"{namespace}{pattern.name}"] = keys
    return found


@pytest.fixture
def site(make_article, make_section, make_region, make_author, make_photo, make_comment, settings):
    """A small public site, and four secret articles woven into it wherever they fit."""
    section = make_section("Rivers")
    region, secret_region = make_region("Nile"), make_region("Lakeland")
    author, secret_author = make_author("Amira Khalil"), make_author("Halvard Quist")
    published = [
        make_article(
            f"Reservoir report {n}",
            section=section,
            regions=[region],
            primary_region=region,
            authors=[author],
            lead_photo=make_photo(renditions=True),
        )
        for n in range(3)
    ]
    secret_states = {
        "draft": {"status": Article.Status.DRAFT},
        "review": {"status": Article.Status.REVIEW},
        "scheduled": {"status": Article.Status.PUBLISHED, "publish_at": LATER},
        # Unpublished: it was live (a publish time in the past), then sent back to draft.
        "unpublished": {
            "status": Article.Status.DRAFT,
            "publish_at": timezone.now() - timedelta(minutes=5),
        },
    }
    secrets = []
    for state, fields in secret_states.items():
        article = make_article(
            f"Zephyrine {state} Quillborough memo",
            section=section,
            regions=[region, secret_region],
            primary_region=region,
            authors=[author, secret_author],
            lead_photo=make_photo(renditions=True, caption=f"Vellichor {state} caption"),
            standfirst=f"Ostrakon {state} standfirst.",
            **fields,
        )
        Article.objects.filter(pk=article.pk).update(slug=f"zephyrine-{state}-slug")
        article.refresh_from_db()
        article.state = state
        Quote.objects.create(article=article, ordering=1, text="Hush.", speaker="Wendeline Orr")
        Correction.objects.create(article=article, text=f"Corrigendum {state} text.")
        # The published pages point at it: READ MORE, sidebar, comments, an old address.
        ReadMore.objects.create(article=published[0], ordering=len(secrets) + 1, target=article)
        RelatedLink.objects.create(article=published[0], position=len(secrets) + 1, target=article)
        make_comment(article, body=f"Marginalia {state} comment.")
        LegacyPath.objects.create(path=f"/old/{state}/", article=article)
        secrets.append(article)
    comments = [make_comment(article) for article in published]
    # A page of the site's own, unpublished though ticked for the navigation and footer
    # and named as the publishing principles; and a published one beside it.
    settings.PUBLISHING_PRINCIPLES = "zephyrine-page-slug"
    pages = [
        Page.objects.create(title="About the rivers desk", slug="about", published=True,
                            in_navigation=True, in_footer=True),
        Page.objects.create(title="Zephyrine page Quillborough", slug="zephyrine-page-slug",
                            body="<p>Obelisk secret page text.</p>", published=False,
                            in_navigation=True, in_footer=True),
    ]  # fmt: skip
    return SimpleNamespace(
        pages=pages,
        section=section,
        regions=[region, secret_region],
        authors=[author, secret_author],
        published=published,
        secrets=secrets,
        comments=comments,
        secret_comments=[Comment.objects.get(article=a) for a in secrets],
    )


def needles(article: Article) -> list[str]:
    """What would give a secret article away: its words, its address, its photos."""
    photo = article.lead_photo
    found = [
        article.headline,
        article.slug,
        article.standfirst,
        photo.caption,
        photo.image.url,
        *(item["name"] for item in photo.renditions["items"]),
        f"Corrigendum {article.state} text",
        f"Marginalia {article.state} comment",
    ]
    return [needle for needle in found if needle]


def expired_preview(article: Article, settings) -> str:
    """A preview token signed further back than a preview link lives."""
    real = time.time
    try:
        signing.time = SimpleNamespace(time=lambda: real() - settings.PREVIEW_MAX_AGE - 60)
        return signing.dumps(article.pk, salt=PREVIEW_SALT, compress=True)
    finally:
        signing.time = time


def fillings(site, settings) -> dict[str, list[str]]:
    """For each named pattern, the URLs that exercise it; public objects and secret ones."""
    articles = [*site.published, *site.secrets]
    sections = [site.section.slug]
    regions = [region.slug for region in site.regions]
    authors = [author.slug for author in site.authors]

    def each(name, values, key="slug"):
        return [reverse(name, kwargs={key: value}) for value in values]

    def dated(article):
        when = timezone.localtime(article.publish_at or article.created_at)
        return {"year": f"{when:%Y}", "month": f"{when:%m}", "day": f"{when:%d}"}

    today = {"year": f"{timezone.now():%Y}", "month": f"{timezone.now():%m}", "day": "01"}
    subscriptions = [
        Subscription.objects.create(article=article, email=f"s{article.pk}@example.org", kind=kind)
        for article in articles
        for kind in ("all", "replies")
    ]
    words = {word for article in site.secrets for word in article.headline.split()}
    searches = [{"q": word} for word in sorted(words)] + [
        {"q": site.secrets[0].standfirst.split()[0]},
        {"q": "Hush"},
        {"section": site.section.slug},
        {"region": regions[1]},
        {"author": authors[1]},
    ]
    token = preview_token(site.secrets[0])
    # A newsletter whose draft edition lists the secret articles: neither the draft nor
    # the articles in it may show on the public archive, its feed or a reader's pages.
    newsletter = Newsletter.objects.create(name="Briefing", slug="briefing", description="Daily.")
    draft = Edition.objects.create(newsletter=newsletter, subject="Draft edition")
    # A sent edition listing a secret article (unpublished since, or scheduled): its page
    # and feed show only what is published.
    sent = Edition.objects.create(
        newsletter=newsletter, subject="Sent edition", status="sent", sent_at=timezone.now()
    )
    for order, article in enumerate(site.secrets):
        EditionItem.objects.create(edition=draft, article=article, order=order)
        EditionItem.objects.create(edition=sent, article=article, order=order)
    EditionItem.objects.create(edition=sent, article=site.published[0], order=99)
    subscriber = readers.reader_for(subscriptions[0].email)
    return {
        "healthz": ["/healthz/"],
        "readyz": ["/readyz/"],
        "robots-txt": ["/robots.txt"],
        "favicon": ["/favicon.ico"],
        "articles:home": ["/", "/?page=2", "/?p=1"],
        "articles:article": [
            *(reverse("articles:article", kwargs=dated(a) | {"slug": a.slug}) for a in articles),
            *(reverse("articles:article", kwargs=today | {"slug": a.slug}) for a in articles),
        ],
        "articles:section": each("articles:section", sections),
        "articles:region": each("articles:region", regions),
        "articles:author": each("articles:author", authors),
        "articles:search": [f"/search/?{urlencode(query)}" for query in searches],
        "articles:sitemap": ["/sitemap.xml"],
        "articles:sitemap-news": ["/sitemap-news.xml"],
        "articles:sitemap-section": each(
            "articles:sitemap-section",
            [*sections, "pages", "sections", "regions", "authors"],
            "section",
        ),
        "articles:sitemap-articles": [
            reverse("articles:sitemap-articles", args=[number])
            for number in sorted({-(-a.pk // sitemaps.ARTICLES_PER_FILE) for a in articles})
        ],
        "articles:feed-rss": ["/rss/"],
        "articles:feed-atom": ["/atom/"],
        "articles:section-feed-rss": each("articles:section-feed-rss", sections),
        "articles:section-feed-atom": each("articles:section-feed-atom", sections),
        "articles:region-feed-rss": each("articles:region-feed-rss", regions),
        "articles:region-feed-atom": each("articles:region-feed-atom", regions),
        "articles:author-feed-rss": each("articles:author-feed-rss", authors),
        "articles:author-feed-atom": each("articles:author-feed-atom", authors),
        "articles:corrections": ["/corrections/", "/corrections/?page=2"],
        "articles:sections": ["/section/", "/section/?page=2"],
        "articles:regions": ["/region/", "/region/?page=2"],
        "articles:page": each("articles:page", [page.slug for page in site.pages]),
        "articles:preview": [
            "/preview/",
            reverse("articles:preview", args=[token[:-2] + ("AA" if token[-2:] != "AA" else "BB")]),
            reverse("articles:preview", args=[expired_preview(site.secrets[0], settings)]),
            reverse("articles:preview", args=["not-a-token"]),
            # This link's signature on another secret article's id.
            reverse(
                "articles:preview",
                args=[
                    signing.dumps(site.secrets[1].pk, salt=PREVIEW_SALT, compress=True).split(
                        ":", 1
                    )[0]
                    + ":"
                    + token.split(":", 1)[1]
                ],
            ),
        ],
        "comments:article": each("comments:article", [a.pk for a in articles], "article_id"),
        "comments:post": each("comments:post", [a.pk for a in articles], "article_id"),
        "comments:report_form": each(
            "comments:report_form",
            [c.pk for c in [*site.comments, *site.secret_comments]],
            "comment_id",
        ),
        "comments:report": each(
            "comments:report", [c.pk for c in site.secret_comments], "comment_id"
        ),
        "comments:confirm": [
            reverse("comments:confirm", args=[notifications.confirm_token(s)])
            for s in subscriptions
        ],
        "comments:unsubscribe": [
            reverse("comments:unsubscribe", args=[notifications.unsubscribe_token(s)])
            for s in subscriptions
        ],
        "comments:reader_state": [f"/comments/reader/state/?article={a.pk}" for a in articles],
        "comments:sign_in": [
            reverse("comments:sign_in", args=[readers.link_token(link)])
            for link in (
                ReaderLink.objects.create(reader=readers.reader_for(s.email), article=s.article)
                for s in subscriptions
            )
        ],
        "comments:sign_out": [reverse("comments:sign_out")],
        "privacy:start": [reverse("privacy:start")],
        "privacy:open": [
            reverse("privacy:open", args=[readers.link_token(link)])
            for link in (readers.new_link(s.email, ReaderLink.Purpose.DATA) for s in subscriptions)
        ],
        "privacy:download": [reverse("privacy:download")],
        "privacy:erase": [reverse("privacy:erase")],
        "newsletters:signup": [reverse("newsletters:signup")],
        "newsletters:archive": [reverse("newsletters:archive", args=[newsletter.slug])],
        "newsletters:feed": [reverse("newsletters:feed", args=[newsletter.slug])],
        "newsletters:edition": [
            reverse("newsletters:edition", args=[newsletter.slug, edition.pk])
            for edition in (draft, sent)
        ],
        "newsletters:confirm": [
            reverse(
                "newsletters:confirm",
                args=[readers.link_token(readers.new_link(subscriber.email, "newsletter"))],
            )
        ],
        # Posts only (GET is 405): filled so the sweep sees every address answer.
        **{
            f"newsletters:anymail:{p.name}": [reverse(f"newsletters:anymail:{p.name}")]
            for p in newsletter_webhooks.urlpatterns
        },
        "newsletters:preferences": [
            reverse(
                "newsletters:preferences", args=[newsletter_tokens.preferences_token(subscriber.pk)]
            )
        ],
        "newsletters:unsubscribe": [
            reverse(
                "newsletters:unsubscribe",
                args=[newsletter_tokens.unsubscribe_token(subscriber.pk, newsletter.pk)],
            )
        ],
        "legacy addresses": [
            *(f"/old/{state}/" for state in ("draft", "unpublished")),
            LegacyPath.objects.create(path="/old/page/", page=site.pages[1]).path,
            LegacyPath.objects.create(path="/?page_id=99", page=site.pages[1]).path,
        ],
        "view-on-site": [
            reverse("view-on-site", args=[ContentType.objects.get_for_model(a).pk, a.pk])
            for a in site.secrets
        ],
    }


def test_no_public_url_shows_an_unpublished_article(site, settings, capsys):
    patterns = named_patterns()
    urls = fillings(site, settings)
    unfilled = sorted(set(patterns) - set(urls))
    assert not unfilled, f"URL patterns this test cannot fill yet: {unfilled}"

    reader = Client()
    secrets = {needle: article for article in site.secrets for needle in needles(article)}
    hidden = site.pages[1]
    secrets |= {
        needle: SimpleNamespace(status="unpublished page")
        for needle in (hidden.title, f"/{hidden.slug}/", "Obelisk secret page text")
    }
    leaks, fetched, statuses = [], 0, {}

    def check(method, url, response):
        nonlocal fetched
        fetched += 1
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        body = b"".join(response) if response.streaming else response.content
        text = body.decode(errors="replace") + "\n" + response.get("Location", "")
        for needle, article in secrets.items():
            if needle in text:
                leaks.append(f"{method} {url}: {article.status} article's {needle!r}")

    for url in (url for filled in urls.values() for url in filled):
        check("GET", url, reader.get(url))
    # The public posts, on the secret articles and their comments.
    for article, comment in zip(site.secrets, site.secret_comments, strict=True):
        ts = signing.dumps({"a": article.pk, "t": int(time.time()) - 60}, salt=FORM_SALT)
        url = reverse("comments:post", args=[article.pk])
        data = {"name": "R", "email": "r@example.org", "body": "Hello.", "ts": ts, "website": ""}
        check("POST", url, reader.post(url, data | {"parent": comment.pk}))
        url = reverse("comments:report", args=[comment.pk])
        check("POST", url, reader.post(url, {"kind": "spam", "ts": ts, "website": ""}))
    # A published article whose comment replies to a secret article's comment.
    live = site.published[1]
    ts = signing.dumps({"a": live.pk, "t": int(time.time()) - 60}, salt=FORM_SALT)
    url = reverse("comments:post", args=[live.pk])
    data = {"name": "R", "email": "q@example.org", "body": "Hi.", "ts": ts, "website": ""}
    check("POST", url, reader.post(url, data | {"parent": site.secret_comments[0].pk}))

    with capsys.disabled():
        print(
            f"\ndraft leaks: {len(patterns)} URL patterns filled, {fetched} URLs fetched "
            f"({dict(sorted(statuses.items()))}), {len(secrets)} secret strings of "
            f"{len(site.secrets)} unpublished articles, {len(leaks)} leaks"
        )
    assert not leaks, "\n".join(leaks)
    # The walk found something: the public pages did show the published articles.
    home = reader.get("/").content.decode()
    assert all(article.headline in home for article in site.published)
    assert 'href="/about/"' in home  # and the published page's links


def test_walk_finds_every_public_pattern():
    """The walk sees the URLs readers use; were it blind, the leak test would prove nothing."""
    patterns = named_patterns()
    for name in ("articles:article", "articles:preview", "comments:post", "robots-txt"):
        assert name in patterns
    assert patterns["articles:article"] == ["year", "month", "day", "slug"]
    assert not any(name.startswith("admin:") for name in patterns)
