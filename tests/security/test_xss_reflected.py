"""Reflected input: what a reader sends comes back in the answer, and must come back as text.

The search query is shown above the results and in the search box. A refused comment
comes back with the reader's name, address, text and quoted passage, so nothing typed is
lost; a refused report keeps its note. A refused form shows what was sent whatever its
length, so each field gets the whole corpus in one value; the heading above search
results shows only a valid query (at most 200 characters), so it gets the corpus packed
into queries that fit. Answers are parsed as a browser would and checked by the oracle.
The views are called directly: the search needs some 1,700 queries.
"""

import pytest

from articles import views
from comments import views as comment_views
from comments.models import Comment

from . import oracle
from .vectors import corpus, pack, whole

PARSER = "lexbor"


def vectors() -> list[str]:
    return [vector.replace("\x00", "\ufffd") for vector in corpus()]


def everything(*fields: str) -> dict[str, str]:
    """Form data with every vector in each field, after the field's marker."""
    return {field: whole(vectors(), f"zq{field}q")[0][0] for field in fields}


def answer(view, request, *args):
    request.META["REMOTE_ADDR"] = "127.0.0.1"
    response = view(request, *args)
    return response.render() if hasattr(response, "render") else response


def findings(response, status: int, markers) -> list[str]:
    assert response.status_code == status, response.content[:500]
    page = response.content.decode()
    for marker in markers:  # the field really is on the page
        assert marker in page, f"{marker} is not shown"
    return oracle.page_findings(page, parser=PARSER)


@pytest.mark.django_db
def test_search_queries_come_back_as_text(rf, monkeypatch):
    # What was searched for is shown whatever is found: the finding (queries per word on
    # SQLite) is left out; the sweep of stored text covers the highlighted results.
    monkeypatch.setattr(views.search, "search", lambda articles, query: articles.none())
    search = views.SearchView.as_view()
    found = findings(answer(search, rf.get("/search/", everything("q"))), 200, ["zqqq"])
    queries = pack(vectors(), 200, "zqqq")
    for n, (query, _indices) in enumerate(queries):
        response = answer(search, rf.get("/search/", {"q": query}))
        found += findings(response, 200, [] if n else ["zqqq"])
    print(
        f"\nreflected XSS, search: {len(vectors())} vectors in one long query and in "
        f"{len(queries)} valid ones, {len(found)} flagged"
    )
    assert found == []


@pytest.mark.django_db
def test_a_refused_comment_and_report_come_back_as_text(rf, make_article):
    article = make_article("Reflected", body="<p>One.</p>")
    comment = Comment.objects.create(
        article=article,
        name="Reader",
        email="reader@example.org",
        body="Shown.",
        body_html="<p>Shown.</p>",
        status=Comment.Status.APPROVED,
    )
    # No form timestamp: the comment is refused and its form shown again as it was sent.
    fields = ("name", "email", "body", "excerpt")
    request = rf.post(f"/comments/article/{article.pk}/post/", everything(*fields))
    response = answer(comment_views.post_comment, request, article.pk)
    found = findings(response, 400, [f"zq{field}q" for field in fields])
    assert not Comment.objects.exclude(pk=comment.pk).exists()
    # No reason chosen: the report is refused and its note shown again.
    request = rf.post(f"/comments/{comment.pk}/report/send/", everything("note"))
    response = answer(comment_views.report_comment, request, comment.pk)
    found += findings(response, 400, ["zqnoteq"])
    print(
        f"\nreflected XSS, refused comment and report: {len(vectors())} vectors in each of "
        f"{len(fields) + 1} fields, {len(found)} flagged"
    )
    assert found == []
