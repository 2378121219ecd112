from django.core.management import call_command

from newsroom.newsletters.models import Newsletter


def test_demo_newsletters_and_a_drafted_briefing(db):
    call_command("load_demo", articles=10)
    call_command("load_demo_newsletters")
    call_command("load_demo_newsletters")  # again: nothing doubles
    cadences = dict(Newsletter.objects.values_list("slug", "cadence"))
    assert cadences == {"morning-briefing": "daily", "levant-weekly": "weekly",
                        "breaking-news": "on_publish"}  # fmt: skip
    weekly = Newsletter.objects.get(slug="levant-weekly")
    assert set(weekly.regions.values_list("name", flat=True)) == {
        "Iraq",
        "Syria",
        "Lebanon",
        "Jordan",
    }
    (draft,) = Newsletter.objects.get(slug="morning-briefing").editions.all()
    assert draft.status == "draft" and draft.items.exists()
