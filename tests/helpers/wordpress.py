"""The invented WordPress site the import tests bring over, and finding what it became."""

from pathlib import Path

from newsroom.wordpress.models import ImportedItem

EXPORTS = Path(__file__).resolve().parents[1] / "wordpress" / "exports"
EXPORT = EXPORTS / "meridian.xml"
# Exported from WordPress.com, whose namespace URIs are https.
WORDPRESS_COM = EXPORTS / "harbour-wordpress-com.xml"


def imported_object(model, wp_id, kind="post"):
    """The object a WordPress item became."""
    mapped = ImportedItem.objects.get(kind=kind, wp_id=str(wp_id))
    return model.objects.get(pk=mapped.object_id)


HEADER = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/{v}/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/{v}/">
<channel><title>Test site</title><link>https://old.example</link>
<wp:wxr_version>{v}</wp:wxr_version><wp:base_site_url>https://old.example</wp:base_site_url>
"""


def item(
    wp_id,
    title="A story",
    content="<p>Text.</p>",
    *,
    status="publish",
    post_type="post",
    slug=None,
    date="2020-02-03 10:00:00",
    extra="",
    comments=(),
) -> str:
    """One <item> of an export, with what WordPress always writes."""
    slug = f"story-{wp_id}" if slug is None else slug
    return f"""<item><title>{title}</title>
<link>https://old.example/{slug}/</link><guid isPermaLink="false">https://old.example/?p={wp_id}</guid>
<dc:creator><![CDATA[writer]]></dc:creator>
<content:encoded><![CDATA[{content}]]></content:encoded><excerpt:encoded><![CDATA[]]></excerpt:encoded>
<wp:post_id>{wp_id}</wp:post_id><wp:post_date>{date}</wp:post_date><wp:post_date_gmt>{date}</wp:post_date_gmt>
<wp:post_name><![CDATA[{slug}]]></wp:post_name><wp:status>{status}</wp:status>
<wp:post_type>{post_type}</wp:post_type>{extra}{"".join(comments)}</item>"""  # fmt: skip


def comment(wp_id, parent=0, *, approved="1", content="A comment.", author="Reader") -> str:
    return f"""<wp:comment><wp:comment_id>{wp_id}</wp:comment_id>
<wp:comment_author><![CDATA[{author}]]></wp:comment_author>
<wp:comment_author_email>r{wp_id}@example.org</wp:comment_author_email>
<wp:comment_date_gmt>2020-02-03 12:{wp_id % 60:02d}:00</wp:comment_date_gmt>
<wp:comment_content><![CDATA[{content}]]></wp:comment_content>
<wp:comment_approved>{approved}</wp:comment_approved><wp:comment_type>comment</wp:comment_type>
<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>"""  # fmt: skip
