import pytest


@pytest.fixture
def article(make_article, make_author):
    return make_article(
        "Dam reservoir reaches record level",
        authors=[make_author()],
        body="<p>First paragraph.</p>\n<p>Second paragraph.</p>",
    )
