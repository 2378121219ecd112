"""A moderator works the comment queue in Chromium, on a phone and on a desktop.

Signed in with a Moderator-role account, at 390 and 1280 px: the queue fits the window
(nothing scrolls sideways, no column is cut off, no button covers another), headlines
stay on one line, axe-core finds nothing serious, and the keyboard works: J/K move
between comments and A approves the one selected, through the row's own form post.
"""

import importlib

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from comments.models import Comment, Reason
from tests.helpers.browser import blocking_violations
from tests.helpers.tools import ARTIFACTS

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = [390, 1280]
QUEUE_URL = reverse("admin:comments_comment_changelist")


@pytest.fixture
def queue(make_article, make_region, make_comment):
    """A queue as a moderator meets it: a long headline, a reply, reasons, history."""
    region = make_region("Kurdistan Region")
    article = make_article(
        "Parliament passes the water bill after a night-long sitting that ran into the "
        "morning, with amendments on wells, dams and the price farmers pay for water",
        primary_region=region,
    )
    parent = make_comment(article, name="Bashir Haddad", body="The dam was finished in 1986. " * 6)
    make_comment(article, name="Ana", email="ana@example.org", status="rejected")
    pending = []
    for n, name in enumerate(["Ana", "Chen Wei", "Dana", "Emre"]):
        comment = make_comment(
            article,
            name=name,
            email=f"{name.split()[0].lower()}@example.org",
            ip=f"198.51.100.{n + 1}",
            status=Comment.Status.PENDING,
            parent=parent if n == 1 else None,
            body=f"Comment {n}: " + "The committee heard from farmers for three days. " * 4,
        )
        Reason.objects.create(comment=comment, code=Reason.Code.NEW_COMMENTER)
        Reason.objects.create(comment=comment, code=Reason.Code.LINKS, detail="3 links")
        pending.append(comment)
    return pending


@pytest.fixture
def moderator_group(db):
    """The Moderator group as its migration makes it. Live-server tests empty the database
    after each test and only permissions come back, so it is made again from the same
    list of permissions the migration grants."""
    role = importlib.import_module("comments.migrations.0002_moderator_role")
    group, created = Group.objects.get_or_create(name="Moderator")
    if created:
        codenames = [f"{act}_{model}" for model, acts in role.MODERATOR.items() for act in acts]
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="comments", codename__in=codenames)
        )
    return group


@pytest.fixture
def moderator_page(browser, plain_http, live_server, moderator_group, make_staff):
    """A browser tab signed in as a moderator, at a given width."""
    client = Client()
    client.force_login(make_staff("Moderator"))
    session = client.cookies["sessionid"].value
    contexts = []

    def open_at(width: int):
        context = browser.new_context(viewport={"width": width, "height": 900})
        contexts.append(context)
        context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
        page = context.new_page()
        page.on("pageerror", lambda error: pytest.fail(f"page error: {error}"))
        assert page.goto(live_server.url + QUEUE_URL).status == 200
        return page

    yield open_at
    for context in contexts:
        context.close()


def overflow(page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def layout_problems(page, width: int) -> list[str]:
    """Cut-off or overlapping parts of the cards, and headlines that wrap."""
    return page.evaluate(
        """width => {
          const problems = [];
          const inside = (box, where) => { if (box.left < 0 || box.right > width + 0.5)
            problems.push(where + ' runs off the screen'); };
          document.querySelectorAll('#result_list tbody tr').forEach((row, i) => {
            row.querySelectorAll('.qc-head, .qc-article, .qc-body, .qc-reasons, .qc-history')
              .forEach(part => inside(part.getBoundingClientRect(), `row ${i} ${part.className}`));
            const buttons = [...row.querySelectorAll('.qc-decide .button')]
              .map(b => [b.textContent, b.getBoundingClientRect()]);
            buttons.forEach(([label, box]) => inside(box, `row ${i} ${label}`));
            buttons.forEach(([a, p], j) => buttons.slice(j + 1).forEach(([b, q]) => {
              if (p.left < q.right && q.left < p.right && p.top < q.bottom && q.top < p.bottom)
                problems.push(`row ${i}: ${a} overlaps ${b}`);
            }));
            const headline = row.querySelector('.qc-article');
            const line = parseFloat(getComputedStyle(headline).lineHeight);
            if (headline.getBoundingClientRect().height > line * 1.5)
              problems.push(`row ${i}: headline wraps`);
          });
          return problems;
        }""",
        width,
    )


def current_comment(page) -> str:
    return page.evaluate(
        "document.querySelector('#result_list tr[aria-current=\"true\"] [data-comment]')"
        "?.dataset.comment"
    )


def test_moderator_works_the_queue_by_keyboard_at_phone_and_desktop_width(moderator_page, queue):
    # Newest first: the queue's first card is the last comment made. Each width approves
    # the comment at the top of the queue, which the previous width left there.
    waiting = [str(c.pk) for c in reversed(queue)]
    for width in WIDTHS:
        page = moderator_page(width)
        first, second = waiting[0], waiting[1]
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"queue-{width}.png", full_page=True)

        assert page.is_visible("#queue-keys"), "the shortcuts are explained on the page"
        assert overflow(page) == 0, width
        assert layout_problems(page, width) == [], width
        assert page.locator(".qc-reply").count() == 1
        assert blocking_violations(page) == [], width

        page.keyboard.press("j")
        page.keyboard.press("j")
        assert current_comment(page) == second
        page.keyboard.press("k")
        assert current_comment(page) == first
        with page.expect_navigation():
            page.keyboard.press("a")

        assert Comment.objects.get(pk=first).status == Comment.Status.APPROVED
        name = Comment.objects.get(pk=first).name
        assert f"Approve: comment by {name}." in page.inner_text(".messagelist")
        # The selection carries on with the comment that was next.
        assert current_comment(page) == second
        assert overflow(page) == 0
        waiting.remove(first)
    assert Comment.objects.filter(status=Comment.Status.PENDING).count() == len(queue) - 2
