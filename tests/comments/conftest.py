import pytest
from django.test import Client


@pytest.fixture
def article(make_article, make_author):
    return make_article(
        "Dam reservoir reaches record level",
        authors=[make_author()],
        body="<p>First paragraph.</p>\n<p>Second paragraph.</p>",
    )


@pytest.fixture
def moderator(make_staff):
    return make_staff("Moderator")


@pytest.fixture
def moderator_client(moderator):
    client = Client()
    client.force_login(moderator)
    return client


@pytest.fixture
def reader():
    """A separate browser for the public site, with no staff session."""
    return Client()
