from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from articles.markup import clean_comment
from articles.models import Article
from comments.models import Comment, ModeratedWord, Reason

# (key, parent key, name, body, anchor: "quote-1" / "paragraph-2" / "", status, featured)
THREAD = [
    (
        "a",
        None,
        "Hana Saleh",
        "Publishing the contracts is a start. Who checks that the "
        "numbers on the register match what is built?",
        "",
        "approved",
        True,
    ),
    (
        "b",
        "a",
        "Marco Ferri",
        "The article says civil society groups asked for independent "
        "verification. That seems like the right answer.",
        "",
        "approved",
        False,
    ),
    (
        "c",
        "b",
        "Hana Saleh",
        "Agreed, as long as the verifiers are not paid by the contractors.",
        "",
        "approved",
        False,
    ),
    (
        "d",
        None,
        "Jonas Weber",
        "Monthly updates are better than nothing. I would like to see "
        "photographs of each site too.",
        "paragraph-2",
        "approved",
        False,
    ),
    (
        "e",
        None,
        "Rania Aziz",
        "Strong words. We have heard them before.",
        "quote-1",
        "approved",
        False,
    ),
    (
        "f",
        "e",
        "Tom Becker",
        "Fair, but this time there is a date attached.",
        "",
        "approved",
        False,
    ),
    (
        "g",
        None,
        "Nour Haddad",
        "I live two streets from the old quarter. Nothing has moved for a year.",
        "",
        "pending",
        False,
    ),
]

WORDS = [("casino bonus", "reject"), ("crypto giveaway", "reject"), ("idiot", "hold")]


class Command(BaseCommand):
    help = "Add invented comments to the demo's reference article. Safe to run again."

    def handle(self, *args, **options):
        article = Article.objects.filter(slug__startswith="vice-president-says").first()
        if article is None:
            raise CommandError("Run `manage.py load_demo` first.")
        for word, action in WORDS:
            ModeratedWord.objects.get_or_create(word=word, defaults={"action": action})
        if article.comments.exists():
            self.stdout.write("Demo comments already there.")
            return
        # "paragraph-N" and "quote-N" below are the N-th text block and quote of the body.
        paragraphs = list(article.text_blocks.filter(region="body"))
        quotes = {f"quote-{n}": quote for n, quote in enumerate(article.quotes.all(), start=1)}
        made: dict[str, Comment] = {}
        start = article.publish_at + timedelta(minutes=5)
        with transaction.atomic():
            for i, (key, parent, name, body, anchor, status, featured) in enumerate(THREAD):
                excerpt = ""
                if anchor:
                    kind, number = anchor.split("-")
                    found = paragraphs[int(number) - 1] if kind == "paragraph" else quotes[anchor]
                    anchor, excerpt = found.key, found.passage_text
                when = min(start + timedelta(minutes=3 * i), timezone.now())
                comment = Comment.objects.create(
                    article=article,
                    parent=made.get(parent),
                    name=name,
                    email=f"{name.split()[0].lower()}@example.org",
                    body=body,
                    body_html=clean_comment(body),
                    anchor=anchor,
                    anchor_excerpt=excerpt,
                    status=status,
                    is_featured=featured,
                    created_at=when,
                    notified_at=when,  # demo comments announce nothing
                )
                code = Reason.Code.NEW_COMMENTER if status == "pending" else Reason.Code.MODERATOR
                Reason.objects.create(comment=comment, code=code, created_at=when)
                made[key] = comment
        self.stdout.write(self.style.SUCCESS(f"Added {len(made)} demo comments."))
