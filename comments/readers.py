"""Who is posting: the client's address, and what their browser proves about them.

Public pages are cached for everyone, so nothing here is ever read from the page: a
reader's identity comes from their own request (cookies, connection).

Readers have no accounts. A reader proves an e-mail address by opening a link mailed to
it (``ReaderLink``); the address is then confirmed (``Reader``) and that browser carries
the proof in the signed, HttpOnly ``nr_verified`` cookie. The same link signs in other
devices until it is used up or expires.
"""

from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.middleware.csrf import REASON_BAD_ORIGIN, CsrfViewMiddleware
from django.urls import get_callable
from django.utils import timezone
from django.utils.http import is_same_domain
from django.views.decorators.csrf import csrf_exempt

from .notifications import mailbox

COMMENTER_COOKIE = "nr_commenter"  # name and e-mail, for the form script to fill in
VERIFIED_COOKIE = "nr_verified"  # an e-mail address its owner proved by a mail link
VERIFIED_SALT = "comments.verified"
COMMENTER_SALT = "comments.commenter"
COOKIE_AGE = 365 * 24 * 3600
SIGN_IN_SALT = "comments.reader.sign-in"
DATA_SALT = "comments.reader.data"
NEWSLETTER_SALT = "comments.reader.newsletter"
# How many devices one mailed link may sign in (a phone, a laptop, a work computer). A
# link that reached someone else's hands is worth little after that, and every link
# expires after COMMENTS_CONFIRM_MAX_AGE anyway.
LINK_USES = 3
# A link to a reader's data (download, erase) opens it once, and not for long: it leads
# to everything about them, and to an erasure nobody can undo.
DATA_LINK_USES = 1


def has_ambient_authority(request) -> bool:
    """Does the browser carry something that acts for its user (a session, a proof)?"""
    return settings.SESSION_COOKIE_NAME in request.COOKIES or VERIFIED_COOKIE in request.COOKIES


# --- Cross-site forgery, without a token in the page ------------------------------------------
#
# The rule for a post that carries ambient authority (a session or a verified address),
# so it works from the same cached page every anonymous reader gets:
#
# 1. When the browser sends ``Origin`` (every current browser does on a POST), it must be
#    one of the site's own origins: the origin the request was made to (its scheme and
#    host, the host checked against ALLOWED_HOSTS), an exact host of ALLOWED_HOSTS on the
#    same scheme, or one of CSRF_TRUSTED_ORIGINS. ``Origin: null`` is nobody's origin.
# 2. When it sends ``Sec-Fetch-Site``, it must say "same-origin", or "same-site" with an
#    ``Origin`` accepted by 1. "cross-site" (and "none", which no form sends) is refused
#    whatever ``Origin`` says.
# 3. Only when it sends neither header (old browsers, some privacy tools) does Django's
#    own CSRF check decide: a token from the csrftoken cookie, sent with the form. The
#    form script fetches one from a never-cached endpoint (``comments:reader_state``);
#    pages made for one user (staff) carry it too.
#
# The verified cookie is SameSite=Lax as well, so a cross-site form posts without it.
# Anonymous posts carry no authority to abuse: the signed timestamp, honeypot and rate
# limits protect them instead.


def site_origins(request) -> set[str]:
    """The origins that are this site, as ``scheme://host[:port]``."""
    scheme = request.scheme
    origins = {f"{scheme}://{request.get_host()}"}
    for host in settings.ALLOWED_HOSTS:
        if host and host != "*" and not host.startswith("."):
            origins.add(f"{scheme}://{host}")
    origins.update(o for o in settings.CSRF_TRUSTED_ORIGINS if "*" not in o)
    return origins


def trusted_origin(request, origin: str) -> bool:
    if origin in site_origins(request):
        return True
    parts = urlsplit(origin)
    wildcards = [urlsplit(o) for o in settings.CSRF_TRUSTED_ORIGINS if "*" in o]
    return bool(parts.netloc) and any(  # "https://*.example.com"
        pattern.scheme == parts.scheme
        and is_same_domain(parts.netloc, pattern.netloc.replace("*", "", 1))
        for pattern in wildcards
    )


def forgery_check(request) -> bool | None:
    """True: the post comes from this site; False: from elsewhere; None: the browser
    said nothing (neither ``Origin`` nor ``Sec-Fetch-Site``), so a token must decide."""
    origin = request.META.get("HTTP_ORIGIN")
    fetch_site = request.META.get("HTTP_SEC_FETCH_SITE")
    if origin is None and fetch_site is None:
        return None
    if fetch_site is not None and fetch_site not in ("same-origin", "same-site"):
        return False
    if origin is not None:
        return origin != "null" and trusted_origin(request, origin)
    return fetch_site == "same-origin"


def csrf_when_ambient(view):
    """Anonymous posts come from pages cached for everyone, so carry no CSRF token:
    they are protected by the signed timestamp, honeypot and rate limits instead. A
    request that carries a session or a verified address must come from this site, by
    the rule above."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if has_ambient_authority(request):
            ours = forgery_check(request)
            if ours is None:  # rule 3: Django's token check
                middleware = CsrfViewMiddleware(lambda r: None)
                refusal = middleware.process_view(request, view, args, kwargs)
                if refusal is not None:
                    return refusal
            elif not ours:
                return refuse_forgery(request)
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapped)


def refuse_forgery(request):
    """The site's own 403 page for a failed CSRF check (CSRF_FAILURE_VIEW), in words."""
    reason = REASON_BAD_ORIGIN % request.META.get("HTTP_ORIGIN", "(none)")
    return get_callable(settings.CSRF_FAILURE_VIEW)(request, reason=reason)


# --- Proven addresses ----------------------------------------------------------------------


def verified_email(request) -> str:
    try:
        return request.get_signed_cookie(VERIFIED_COOKIE, salt=VERIFIED_SALT, default="")
    except signing.BadSignature:
        return ""


def proves(request, email: str) -> bool:
    """Does this browser carry the proof that ``email`` is its reader's?"""
    proven = verified_email(request)
    return bool(proven and email) and mailbox(proven) == mailbox(email)


def is_confirmed(email: str) -> bool:
    from .models import Reader

    return Reader.objects.filter(mailbox=mailbox(email), confirmed_at__isnull=False).exists()


def reader_for(email: str):
    """The one record of this address (its mailbox), made on first use."""
    from .models import Reader

    reader, _ = Reader.objects.get_or_create(
        mailbox=mailbox(email), defaults={"email": email.strip().lower()}
    )
    return reader


def confirm(reader) -> None:
    from .models import Reader

    Reader.objects.filter(pk=reader.pk, confirmed_at__isnull=True).update(
        confirmed_at=timezone.now()
    )


# --- Mailed links ----------------------------------------------------------------------------


class LinkRefused(Exception):
    """A mailed link that proves nothing: ``reason`` is "invalid" (tampered with, cut
    short, or of another kind), "expired", "gone" (its reader was erased) or "used-up"."""

    def __init__(self, reason: str, link=None):
        super().__init__(reason)
        self.reason, self.link = reason, link


def _salt(purpose: str) -> str:
    from .models import ReaderLink

    if purpose == ReaderLink.Purpose.SIGN_IN:
        return SIGN_IN_SALT
    return NEWSLETTER_SALT if purpose == ReaderLink.Purpose.NEWSLETTER else DATA_SALT


def link_uses(purpose: str) -> int:
    """A data link opens once; sign-in and newsletter links sign in a few devices."""
    from .models import ReaderLink

    return DATA_LINK_USES if purpose == ReaderLink.Purpose.DATA else LINK_USES


def link_max_age(purpose: str) -> int:
    from .models import ReaderLink

    if purpose == ReaderLink.Purpose.DATA:
        return settings.COMMENTS_DATA_LINK_MAX_AGE
    return settings.COMMENTS_CONFIRM_MAX_AGE


def link_token(link) -> str:
    return signing.dumps(link.pk, salt=_salt(link.purpose))


def new_link(email: str, purpose: str, **about):
    """A link to mail to ``email`` (``about``: the article, the wish for mail it is for)."""
    from .models import ReaderLink

    return ReaderLink.objects.create(reader=reader_for(email), purpose=purpose, **about)


def open_link(token: str, purpose: str):
    """The link a mailed token names, or ``LinkRefused`` saying why not. A link still
    opens once used up (its page says so); ``use_link`` is what spends it."""
    from .models import ReaderLink

    try:
        pk = signing.loads(token, salt=_salt(purpose), max_age=link_max_age(purpose))
    except signing.SignatureExpired as error:
        raise LinkRefused("expired") from error
    except signing.BadSignature as error:
        raise LinkRefused("invalid") from error
    if not isinstance(pk, int):
        raise LinkRefused("invalid")
    links = ReaderLink.objects.select_related("reader", "article", "subscription")
    link = links.filter(pk=pk, purpose=purpose).first()
    if link is None:
        raise LinkRefused("gone")
    return link


def use_link(link) -> bool:
    """Spend one use of ``link``; False when none was left (in a race, one side wins)."""
    from django.db.models import F

    from .models import ReaderLink

    now = timezone.now()
    spent = ReaderLink.objects.filter(pk=link.pk, uses__lt=link_uses(link.purpose)).update(
        uses=F("uses") + 1, last_used_at=now
    )
    if spent:
        link.uses, link.last_used_at = link.uses + 1, now
    return bool(spent)


def remember_proof(response, email: str) -> None:
    """Sign this browser in as ``email``: HttpOnly, so no script on the page can take it;
    SameSite=Lax, so a cross-site form posts without it."""
    response.set_signed_cookie(
        VERIFIED_COOKIE,
        email,
        salt=VERIFIED_SALT,
        max_age=COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def client_ip(request) -> str | None:
    """The client's address, trusting X-Forwarded-For only from configured proxies.

    Each of the TRUSTED_PROXIES in front of the app appends the address it was reached
    from, so the client is the entry that many places from the end; anything before it
    was written by the client and can be spoofed. With 0 proxies the header is ignored.
    Used by the comment rate limits and bans, and by the admin login throttle.
    """
    proxies = settings.TRUSTED_PROXIES
    if proxies:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None
