"""Each step of the moderation pipeline, with the case it lets through and the one it stops."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from comments import moderation
from comments.models import Ban, Comment, ModeratedWord, Reason
from comments.words import Matcher

pytestmark = pytest.mark.django_db


@pytest.fixture
def submission(article, settings):
    """A well-formed anonymous submission whose form was made a minute ago."""

    def make(**overrides):
        fields = {"article": article, "name": "Reader", "email": "reader@example.org",
                  "body": "I enjoyed this.", "ip": "198.51.100.4",
                  "issued_at": time.time() - 60}  # fmt: skip
        fields.update(overrides)
        return moderation.Submission(**fields)

    return make


def codes(verdicts):
    return [verdict.code for verdict in verdicts]


def test_ordinary_new_commenter_is_held_as_new(submission):
    status, refusal, verdicts = moderation.decide(submission())
    assert refusal is None
    assert status == Comment.Status.PENDING
    assert codes(verdicts) == [Reason.Code.NEW_COMMENTER]


def test_closed_comments_are_refused(submission, article):
    article.comments_enabled = False
    status, refusal, _ = moderation.decide(submission())
    assert status is None and refusal.code == Reason.Code.CLOSED and refusal.status == 403


def test_comments_close_after_the_configured_days(submission, article, settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 3
    article.publish_at = timezone.now() - timedelta(days=3, minutes=1)
    assert moderation.decide(submission())[1].code == Reason.Code.CLOSED
    article.comments_close_after_days = 10  # the article's own override
    assert moderation.decide(submission())[1] is None


@pytest.mark.parametrize("age", [0, 1.5])
def test_form_sent_too_fast_is_refused(submission, age):
    refusal = moderation.decide(submission(issued_at=time.time() - age))[1]
    assert refusal.code == Reason.Code.TOO_FAST and "quick" in refusal.message


def test_form_too_old_is_refused(submission, settings):
    refusal = moderation.decide(
        submission(issued_at=time.time() - settings.COMMENTS_MAX_FORM_AGE - 1)
    )[1]
    assert refusal.code == Reason.Code.TOO_FAST and "long time" in refusal.message


def test_form_without_valid_timestamp_is_refused(submission):
    assert moderation.decide(submission(issued_at=None))[1].code == Reason.Code.TOO_FAST


def test_honeypot_filled_is_spam(submission):
    status, _, verdicts = moderation.decide(submission(honeypot="http://spam.example"))
    assert status == Comment.Status.SPAM and codes(verdicts) == [Reason.Code.HONEYPOT]


def test_rate_limit_per_ip(submission, settings):
    settings.COMMENTS_RATE_LIMITS = [(2, 60)]
    for i in range(2):
        assert moderation.decide(submission(email=f"r{i}@example.org"))[1] is None
    refusal = moderation.decide(submission(email="third@example.org"))[1]
    assert refusal.code == Reason.Code.RATE_LIMIT and refusal.status == 429
    assert moderation.decide(submission(ip="198.51.100.99", email="x@example.org"))[1] is None


def test_rate_limit_per_email(submission, settings):
    settings.COMMENTS_RATE_LIMITS = [(2, 60)]
    for i in range(2):
        assert moderation.decide(submission(ip=f"198.51.100.{i}"))[1] is None
    assert moderation.decide(submission(ip="198.51.100.50"))[1].code == Reason.Code.RATE_LIMIT


def test_duplicate_of_own_recent_comment_is_refused(submission, make_comment, article):
    make_comment(article, email="reader@example.org", body="I enjoyed this.")
    assert moderation.decide(submission())[1].code == Reason.Code.DUPLICATE
    assert moderation.decide(submission(body="Something else."))[1] is None


def test_many_links_hold_the_comment(submission, settings):
    settings.COMMENTS_MAX_LINKS = 2
    sub = submission(body="See https://example.org/a and https://example.com/b")
    status, _, verdicts = moderation.decide(sub)
    assert status == Comment.Status.PENDING and Reason.Code.LINKS in codes(verdicts)
    assert 'rel="nofollow ugc noopener"' in sub.body_html
    one_link = moderation.decide(submission(body="Only https://example.org/a"))[2]
    assert Reason.Code.LINKS not in codes(one_link)


def test_banned_word_rejects_whole_words_ignoring_case_and_accents(submission):
    ModeratedWord.objects.create(word="Scamcoin", action="reject")
    ModeratedWord.objects.create(word="crème brûlée", action="reject")
    status, _, verdicts = moderation.decide(submission(body="Buy SCAMCOIN today"))
    assert status == Comment.Status.REJECTED and verdicts[-1].detail == "scamcoin"
    assert moderation.decide(submission(body="I love CREME BRULEE."))[0] == "rejected"
    assert moderation.decide(submission(body="scamcoins are different"))[0] == "pending"


def test_suspect_word_holds(submission, make_comment, article, client):
    ModeratedWord.objects.create(word="idiot", action="hold")
    status, _, verdicts = moderation.decide(submission(body="What an idiot."))
    assert status == Comment.Status.PENDING and Reason.Code.SUSPECT_WORD in codes(verdicts)


def test_banned_email_or_ip_is_rejected(submission):
    Ban.objects.create(email="Troll@Example.org")
    status, _, verdicts = moderation.decide(submission(email="troll@example.org"))
    assert status == Comment.Status.REJECTED and verdicts[-1].detail == "banned e-mail"
    Ban.objects.create(ip="192.0.2.66")
    status, _, verdicts = moderation.decide(submission(ip="192.0.2.66"))
    assert status == Comment.Status.REJECTED and verdicts[-1].detail == "banned IP address"


def test_verified_commenter_with_approved_history_is_approved(
    submission, make_comment, article, confirmed_address
):
    confirmed_address("reader@example.org")
    make_comment(article, email="reader@example.org", body="Earlier, approved.")
    status, _, verdicts = moderation.decide(submission(verified_email="READER@example.org"))
    assert status == Comment.Status.APPROVED and codes(verdicts) == [Reason.Code.TRUSTED]


def test_trust_cannot_be_claimed_by_typing_someone_elses_email(submission, make_comment, article):
    make_comment(article, email="reader@example.org", body="Earlier, approved.")
    assert moderation.decide(submission())[0] == Comment.Status.PENDING
    forged = submission(verified_email="someone-else@example.org")
    assert moderation.decide(forged)[0] == Comment.Status.PENDING


def test_recent_rejection_suspends_trust(submission, make_comment, article, confirmed_address):
    confirmed_address("reader@example.org")
    make_comment(article, email="reader@example.org", body="Approved once.")
    make_comment(article, email="reader@example.org", body="Rejected.", status="rejected")
    status, _, verdicts = moderation.decide(submission(verified_email="reader@example.org"))
    assert status == "pending" and codes(verdicts) == [Reason.Code.RECENT_REJECTION]


def test_trusted_commenter_is_still_held_for_suspect_words(
    submission, make_comment, article, confirmed_address
):
    confirmed_address("reader@example.org")
    ModeratedWord.objects.create(word="idiot", action="hold")
    make_comment(article, email="reader@example.org", body="Approved once.")
    sub = submission(verified_email="reader@example.org", body="You idiot")
    assert moderation.decide(sub)[0] == Comment.Status.PENDING


def test_staff_are_approved(submission, make_staff):
    editor = make_staff("Editor")
    status, _, verdicts = moderation.decide(submission(user=editor))
    assert status == Comment.Status.APPROVED and codes(verdicts)[-1] == Reason.Code.STAFF


def test_staff_cannot_post_to_closed_articles(submission, make_staff, article):
    article.comments_enabled = False
    assert moderation.decide(submission(user=make_staff("Editor")))[1].code == "closed"


def test_submit_stores_comment_with_its_reasons(submission, settings):
    settings.COMMENTS_MAX_LINKS = 1
    outcome = moderation.submit(submission(body="Look: https://example.org/a <script>x</script>"))
    comment = outcome.comment
    assert comment.status == Comment.Status.PENDING
    assert list(comment.reasons.values_list("code", flat=True)) == ["links", "new_commenter"]
    assert "<script>" not in comment.body_html and "<a " in comment.body_html


def test_refused_submission_stores_nothing(submission, article):
    article.comments_enabled = False
    assert moderation.submit(submission()).comment is None
    assert Comment.objects.count() == 0


def test_matcher_finds_phrases_only_as_consecutive_words():
    matcher = Matcher.build([("casino bonus", "reject"), ("naïve", "hold")])
    assert matcher.find("Get a Casino   Bonus now", "reject") == "casino bonus"
    assert matcher.find("casino, then a bonus", "reject") is None
    assert matcher.find("NAIVE question", "hold") == "naive"
    assert matcher.find("naivety", "hold") is None


def test_matcher_with_five_thousand_entries_matches_correctly():
    entries = [(f"badword{i}", "reject") for i in range(5000)]
    matcher = Matcher.build(entries)
    assert matcher.find("a clean comment " * 200, "reject") is None
    assert matcher.find("this has badword4999 in it", "reject") == "badword4999"
