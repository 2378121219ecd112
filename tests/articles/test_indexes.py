"""/section/ and /region/: every section and region, each with its newest headline."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.helpers.html import find, parse, text_of
from tests.helpers.queries import count_queries

pytestmark = pytest.mark.django_db


def entries(client, url) -> dict[str, tuple[str, str]]:
    """Each listed name: its link and the headline shown under it ('' for none)."""
    found = {}
    for item in find(find(parse(client.get(url)), "ul", "listing-index")[0], "li"):
        link = find(item, "h2")[0].getElementsByTagName("a")[0]
        headlines = find(item, "h3", "headline")
        found[text_of(link)] = (
            link.getAttribute("href"),
            text_of(headlines[0]) if headlines else "",
        )
    return found


def test_section_index_lists_every_section_with_its_newest_headline(
    client, section, make_section, make_article
):
    empty = make_section("Sport")
    make_article("Older world story", publish_at=timezone.now() - timedelta(days=2))
    make_article("Newest world story")
    make_article("Not yet", publish_at=timezone.now() + timedelta(days=1))
    listed = entries(client, "/section/")
    assert listed["World"] == (section.get_absolute_url(), "Newest world story")
    assert listed["Sport"] == (empty.get_absolute_url(), "")


def test_region_index_lists_every_region_with_its_newest_headline(
    client, make_region, make_article
):
    chad, niger, quiet = make_region("Chad"), make_region("Niger"), make_region("Quiet")
    make_article("Lake shrinks", primary_region=chad, regions=[chad, niger],
                 publish_at=timezone.now() - timedelta(days=1))  # fmt: skip
    make_article("Border reopens", primary_region=niger, regions=[niger])
    listed = entries(client, "/region/")
    assert listed["Chad"] == (chad.get_absolute_url(), "CHAD: Lake shrinks")
    assert listed["Niger"] == (niger.get_absolute_url(), "NIGER: Border reopens")
    assert listed["Quiet"] == (quiet.get_absolute_url(), "")


def test_index_queries_do_not_grow_with_articles_or_regions(
    client, make_region, make_section, make_article
):
    regions = [make_region() for _ in range(3)]
    for region in regions:
        make_article(primary_region=region, regions=[region])
    for url in ("/section/", "/region/"):
        count_queries(client, url)  # the navigation is cached from here on
    before = {url: count_queries(client, url) for url in ("/section/", "/region/")}
    for _ in range(20):
        region = make_region()
        make_article(section=make_section(), primary_region=region, regions=[region])
    for url in ("/section/", "/region/"):
        count_queries(client, url)
    after = {url: count_queries(client, url) for url in ("/section/", "/region/")}
    assert after == before
    assert max(after.values()) <= 4


def test_a_new_article_in_a_region_renders_the_region_index_again(make_region, make_article):
    chad = make_region("Chad")
    make_article("Lake shrinks", primary_region=chad, regions=[chad],
                 publish_at=timezone.now() - timedelta(days=1))  # fmt: skip
    reader = Client()
    reader.get("/region/")
    assert reader.get("/region/")["X-Page-Cache"].startswith("hit")
    make_article("Rains return", primary_region=chad, regions=[chad])
    again = reader.get("/region/")
    assert again["X-Page-Cache"] == "miss" and b"Rains return" in again.content
    make_region("Niger")
    assert b"Niger" in reader.get("/region/").content


def test_the_region_index_goes_on_on_a_second_page(client, make_region):
    for n in range(105):
        make_region(f"Place {n:03}")
    first, second = entries(client, "/region/"), entries(client, "/region/?page=2")
    assert len(first) == 100 and "Place 000" in first
    assert set(second) == {f"Place {n:03}" for n in range(100, 105)}
    assert client.get("/region/?page=3").status_code == 404
