import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils.text import slugify

from articles.models import Author


class Command(BaseCommand):
    help = (
        "Create the site's first superuser and print its password once; later runs change nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="admin@example.com")
        parser.add_argument(
            "--author-name",
            default="The Editors",
            help="The byline the account writes under (an article needs one to be published).",
        )

    def handle(self, *args, username, email, author_name, **options):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is not None:
            self.stdout.write(
                f"Admin login: {username} (already exists; its password was printed when it "
                f"was created — reset it with `python manage.py changepassword {username}`)."
            )
        else:
            password = secrets.token_urlsafe(12)
            user = User.objects.create_superuser(username=username, email=email, password=password)
            self.stdout.write(self.style.SUCCESS(f"Admin login: {username} / {password}"))
        self.give_byline(user, author_name)

    def give_byline(self, user, name: str) -> None:
        """The account's own byline, so its first article can be published as it is."""
        if Author.objects.filter(user=user).exists():
            return
        slug, number = slugify(name) or "editors", 1
        while Author.objects.filter(slug=slug).exists():
            number += 1
            slug = f"{slugify(name) or 'editors'}-{number}"
        Author.objects.create(name=name, slug=slug, user=user)
