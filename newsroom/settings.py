"""Newsroom settings: one file, driven by environment variables (django-environ).

Defaults are safe for a laptop; production sets DATABASE_URL, CACHE_URL, EMAIL_URL,
SECRET_KEY and ALLOWED_HOSTS. See README.md for the full list.
"""

import importlib.util
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from articles.embeds import frame_sources

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # optional; absent on most machines

DEBUG = env.bool("DEBUG", default=False)
# The default key is marked insecure so `check --deploy` flags it until SECRET_KEY is set.
SECRET_KEY = env("SECRET_KEY", default="django-insecure-newsroom-local-development-key-only")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.forms",
    "taggit",
    "reversion",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "axes",
    # The article body's block editor: ordered blocks (content_editor) and rich text
    # (django_prose_editor), their scripts and styles served from the packages.
    "content_editor",
    "django_prose_editor",
    "articles",
    "comments",
    "newsroom",
    # Site-wide apps, one concern each (README, "Layout").
    "newsroom.pagecache",
    "newsroom.redirects",
    "newsroom.wordpress",
    "newsroom.backups",
    "newsroom.newsletters",
]

MIDDLEWARE = [
    # First: a cached page is served before anything else runs (newsroom/pagecache/).
    # The headers the middleware below adds (security headers among them) are stored
    # with each page and replayed with it and with its 304s.
    "newsroom.pagecache.middleware.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "newsroom.security.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Strange input (a NUL byte, a method no page takes) is a 4xx before anything reads it.
    "newsroom.errors.middleware.StrangeInputMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Turns a locked-out admin login into the lockout page (see "Auth" below).
    "axes.middleware.AxesMiddleware",
    # Last, so it sees the views' 404s: old WordPress addresses redirect to articles.
    "newsroom.redirects.middleware.LegacyRedirectMiddleware",
    # A view that meets a busy or unreachable database answers 503 with Retry-After.
    "newsroom.db.busy.DatabaseBusyMiddleware",
]

ROOT_URLCONF = env("ROOT_URLCONF", default="newsroom.urls")
WSGI_APPLICATION = "newsroom.wsgi.application"

# Form widgets render through the templates above, so the project's own widget templates
# (templates/admin/articles/widgets/) are found like any other.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "newsroom.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# How long a request waits for a lock (SQLite's writer turn, a PostgreSQL row or table
# lock) before it gives up with a 503 and Retry-After: a reader is told within seconds
# instead of hanging. A comment takes milliseconds to write, so 4 s is a queue of
# hundreds. manage.py (commands, the task worker) waits 20 s: nobody is waiting there.
DATABASE_WAIT_SECONDS = env.float("DATABASE_WAIT_SECONDS", default=4)
DATABASE_RETRY_AFTER = env.int("DATABASE_RETRY_AFTER", default=10)  # seconds, in the 503
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside a writer; IMMEDIATE takes the write lock at BEGIN so
    # no transaction fails halfway; newsroom.db.sqlite queues concurrent writers for their
    # turn instead of leaving them to poll SQLite's busy timeout.
    DATABASES["default"]["ENGINE"] = "newsroom.db.sqlite"
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": DATABASE_WAIT_SECONDS,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # Tests use a file too, so threads share the database as app servers' requests do.
    DATABASES["default"].setdefault("TEST", {}).setdefault(
        "NAME", env("TEST_SQLITE_NAME", default=str(BASE_DIR / ".test-db.sqlite3"))
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    INSTALLED_APPS.append("django.contrib.postgres")  # full-text search (articles/search.py)
    # The same bound for a lock wait (then "lock timeout", a 503) and for connecting.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options.setdefault("connect_timeout", max(1, round(DATABASE_WAIT_SECONDS)))
    # A page's queries read a few rows by index: parallel workers only add their start-up
    # (measured: a region page's bounded count 11-26 ms with two workers, 3-5 ms without)
    # and take the cores other requests are waiting for.
    PARALLEL_WORKERS = env.int("DATABASE_PARALLEL_WORKERS", default=0)
    _options["options"] = (
        f"{_options.get('options', '')} -c lock_timeout={round(DATABASE_WAIT_SECONDS * 1000)}"
        f" -c max_parallel_workers_per_gather={PARALLEL_WORKERS}"
    ).strip()

# `manage.py backup` writes here unless given a path (README.md, "Backups").
BACKUP_DIR = env.path("BACKUP_DIR", default=BASE_DIR / "backups")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and e-mail -------------------------------------------------------------------
CACHE_URL = env("CACHE_URL", default="locmemcache://newsroom")
# redis:// means Django's own RedisCache, even where django-redis happens to be installed
# (django-environ would prefer that one), behind a circuit breaker: when Redis fails, the
# site serves pages uncached instead of failing (newsroom/sharedcache.py).
_REDIS = CACHE_URL.startswith(("redis://", "rediss://"))
CACHES = {
    "default": env.cache_url_config(
        CACHE_URL, backend="newsroom.sharedcache.ResilientRedisCache" if _REDIS else None
    )
}
if _REDIS:
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {
            # Seconds: an unreachable Redis costs a request this long, once per RETRY_SECONDS.
            "socket_connect_timeout": env.float("CACHE_CONNECT_TIMEOUT", default=0.5),
            "socket_timeout": env.float("CACHE_TIMEOUT", default=1.0),
            "RETRY_SECONDS": env.float("CACHE_RETRY_SECONDS", default=5),
        }
    )
else:
    # The page cache keeps a small version per surrogate key besides its pages: room for
    # them, so a laptop's cache does not push sessions out.
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 10_000)
# Keeps several sites (or test runs) apart in one shared Redis.
CACHES["default"]["KEY_PREFIX"] = env("CACHE_KEY_PREFIX", default="")
# Finished pages for anonymous readers (newsroom/pagecache/): how long an entry is kept
# in the shared cache, how long each process keeps its own copy, and what browsers and
# CDNs are told. Entries never go stale: a change of content changes their key.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=3600)
PAGE_CACHE_LOCAL_SECONDS = env.int("PAGE_CACHE_LOCAL_SECONDS", default=10)
PAGE_CACHE_MAX_AGE = env.int("PAGE_CACHE_MAX_AGE", default=30)
PAGE_CACHE_STALE_SECONDS = env.int("PAGE_CACHE_STALE_SECONDS", default=60)
# Edge caches in front of the site, purged by surrogate key when content changes
# (newsroom/pagecache/edge.py): e.g. "varnish://10.0.0.5:6081,varnish://10.0.0.6:6081",
# "fastly://SERVICE_ID" or "cloudflare://ZONE_ID". With one configured, pages let it keep
# them for EDGE_CACHE_SECONDS (never past the next scheduled change); browsers still get
# PAGE_CACHE_MAX_AGE.
EDGE_CACHE = env("EDGE_CACHE", default="")
EDGE_CACHE_SECONDS = env.int("EDGE_CACHE_SECONDS", default=24 * 3600)
EDGE_CACHE_TOKEN = env("EDGE_CACHE_TOKEN", default="")
FASTLY_API_TOKEN = env("FASTLY_API_TOKEN", default=EDGE_CACHE_TOKEN)
FASTLY_API_URL = env("FASTLY_API_URL", default="https://api.fastly.com")
CLOUDFLARE_API_TOKEN = env("CLOUDFLARE_API_TOKEN", default=EDGE_CACHE_TOKEN)
CLOUDFLARE_API_URL = env("CLOUDFLARE_API_URL", default="https://api.cloudflare.com/client/v4")
_unknown_edges = [
    edge
    for edge in (part.strip() for part in EDGE_CACHE.split(","))
    if edge and urlsplit(edge).scheme not in ("varnish", "fastly", "cloudflare")
]
if _unknown_edges:
    raise ImproperlyConfigured(
        f"EDGE_CACHE: {', '.join(_unknown_edges)} is not varnish://, fastly:// or cloudflare://"
    )
EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="newsroom@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Auth -------------------------------------------------------------------------------
# Sessions are read from the cache (Redis in production) and written through to the
# database: a staff page costs no session query.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# django-axes throttles password guessing at the admin login. A lockout is keyed on the
# username *and* the client's address together: an attacker locks out only their own
# guesses, never an editor logging in from elsewhere. The address is comments.readers'
# client_ip, which trusts only TRUSTED_PROXIES hops of X-Forwarded-For.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # needs `request` in authenticate()
    "newsroom.auth.PermissionBackend",  # Django's, with permissions read in one query
]
# After logging in, where a missing or unsafe ?next= leads (Django's default is a 404).
LOGIN_REDIRECT_URL = "admin:index"
# A form sent with a session but without its CSRF code gets the site's 403 page, in words.
CSRF_FAILURE_VIEW = "newsroom.errors.views.csrf_failure"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "comments.readers.client_ip"
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True  # a correct password clears that username's failures there
AXES_LOCKOUT_CALLABLE = "newsroom.security.login_locked_out"
AXES_VERBOSE = False  # failures are still logged, without a banner at every start
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = env("LANGUAGE_CODE", default="en-gb")
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media files -------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Uploaded photos and their renditions stay in MEDIA_ROOT unless MEDIA_BUCKET names a
# bucket of S3-style object storage (AWS S3, MinIO, Cloudflare R2, DigitalOcean Spaces):
# then app servers keep no files of their own, and any number of them can run.
MEDIA_BUCKET = env("MEDIA_BUCKET", default="")


def _bucket_address(options: dict) -> str:
    """The address boto3 gives the bucket's objects, up to the key (ends with "/")."""
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    client = boto3.session.Session().client(
        "s3",
        endpoint_url=options.get("endpoint_url"),
        region_name=options.get("region_name"),
        config=options["client_config"].merge(Config(signature_version=UNSIGNED)),
    )
    marker = "newsroom-media-address"
    link = client.generate_presigned_url(
        "get_object", Params={"Bucket": options["bucket_name"], "Key": marker}
    )
    return link.split(marker, 1)[0]


MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if not MEDIA_BUCKET:
    MEDIA_URL = env("MEDIA_URL", default="/media/")
else:
    from botocore.config import Config as BotoConfig

    # A CDN or custom domain in front of the bucket; unset, links go to the bucket itself.
    MEDIA_URL = env("MEDIA_URL", default="")
    _media_address = urlsplit(MEDIA_URL)
    if MEDIA_URL and not (_media_address.scheme in ("http", "https") and _media_address.netloc):
        raise ImproperlyConfigured(
            f"MEDIA_URL={MEDIA_URL!r}: with MEDIA_BUCKET it is the full public address of the "
            "media (https://media.example.org/), or unset to link to the bucket itself."
        )
    MEDIA_SIGNED_URLS = env.bool("MEDIA_SIGNED_URLS", default=False)
    MEDIA_SIGNED_URL_SECONDS = env.int("MEDIA_SIGNED_URL_SECONDS", default=24 * 3600)
    if MEDIA_SIGNED_URLS and MEDIA_URL:
        raise ImproperlyConfigured(
            "MEDIA_SIGNED_URLS signs links to the bucket itself, and a link through MEDIA_URL "
            "would go out unsigned: set one of them, not both."
        )
    # A cached page keeps the links it was rendered with; they must outlive it.
    _page_lifetime = PAGE_CACHE_SECONDS + PAGE_CACHE_MAX_AGE + PAGE_CACHE_STALE_SECONDS
    if MEDIA_SIGNED_URLS and not _page_lifetime < MEDIA_SIGNED_URL_SECONDS <= 7 * 24 * 3600:
        raise ImproperlyConfigured(
            f"MEDIA_SIGNED_URL_SECONDS={MEDIA_SIGNED_URL_SECONDS} must be more than a cached "
            f"page lives ({_page_lifetime} s) and at most 7 days (604800 s), the most S3 "
            "signatures allow."
        )
    _media_options = {
        "bucket_name": MEDIA_BUCKET,
        # An upload never replaces another file: a taken name gets a suffix.
        "file_overwrite": False,
        "querystring_auth": MEDIA_SIGNED_URLS,
        "querystring_expire": MEDIA_SIGNED_URL_SECONDS,
        # Signature version 4, which every S3-style service accepts (boto3 would still sign
        # some links with the retired version 2); and a storage that stops answering ties
        # up a request for seconds, not for boto3's default of minutes.
        "client_config": BotoConfig(
            signature_version="s3v4",
            connect_timeout=5,
            read_timeout=30,
            retries={"mode": "standard", "max_attempts": 3},
        ),
        # Objects readable by anyone, for services that grant it per object (Spaces, older
        # AWS buckets); buckets whose policy or CDN grants it need no ACL, and AWS buckets
        # with ACLs disabled refuse one.
        "default_acl": "public-read" if env.bool("MEDIA_PUBLIC_READ", default=False) else None,
        # A day, not a year: a deleted photo's name can be taken again by a new upload.
        "object_parameters": {
            "CacheControl": env(
                "MEDIA_CACHE_CONTROL",
                default=f"{'private' if MEDIA_SIGNED_URLS else 'public'}, max-age=86400",
            )
        },
    }
    # Unset: boto3 finds them itself (AWS_ACCESS_KEY_ID…, ~/.aws, an instance or task role).
    for _option, _name in (
        ("endpoint_url", "MEDIA_ENDPOINT_URL"),  # MinIO, R2, Spaces…; unset for AWS
        ("region_name", "MEDIA_REGION"),
        ("access_key", "MEDIA_ACCESS_KEY_ID"),
        ("secret_key", "MEDIA_SECRET_ACCESS_KEY"),
    ):
        if env(_name, default=""):
            _media_options[_option] = env(_name)
    if MEDIA_URL:
        _media_options["custom_domain"] = (_media_address.netloc + _media_address.path).rstrip("/")
        _media_options["url_protocol"] = f"{_media_address.scheme}:"
    else:
        # Where the storage links to the bucket's objects (for the CSP below and anything
        # that reads MEDIA_URL), asked of boto3 itself rather than guessed: path or host
        # style, regional or global endpoint, depend on the service, the region and dots
        # in the bucket's name. Making an unsigned link sends no request.
        MEDIA_URL = _bucket_address(_media_options)
    MEDIA_STORAGE = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _media_options}
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
# Uploads larger than this are refused by the photo form with a clear message.
PHOTO_MAX_UPLOAD_BYTES = env.int("PHOTO_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
PHOTO_MAX_PIXELS = env.int("PHOTO_MAX_PIXELS", default=40_000_000)
# Stored originals are scaled down to at most this many pixels on their longer side.
PHOTO_MAX_DIMENSION = env.int("PHOTO_MAX_DIMENSION", default=3200)

# --- Security ---------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
# How many proxies in front of the app append to X-Forwarded-For. 0 trusts REMOTE_ADDR
# only, so the header cannot be spoofed to dodge comment rate limits, bans or the login
# throttle (comments/readers.py).
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)
# The public addresses or networks (CIDR) of those proxies, e.g. a CDN's edge ranges. A
# comment that reached the app without its X-Forwarded-For hops carries one of them, so
# the ban form refuses to ban them (private and loopback addresses are refused anyway).
PROXY_NETWORKS = env.list("PROXY_NETWORKS", default=[])


def _media_origin(url: str) -> list[str]:
    """Photos may be served from object storage on another host: allow that host."""
    return ["/".join(url.split("/", 3)[:3])] if "://" in url else []


# Mastodon servers whose posts play in a frame (e.g. "mastodon.social"): a Mastodon post's
# player is on its own server, so only the servers named here are allowed in frame-src;
# posts from any other server are shown as a link card (articles/embeds.py).
EMBED_MASTODON_INSTANCES = env.list("EMBED_MASTODON_INSTANCES", default=[])

# One policy for every reader, without nonces, so cached pages can carry it: scripts and
# styles come from files only (JSON-LD is a data block, which browsers never run). The
# admin alone also allows inline styles (newsroom/security.py says why).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, *_media_origin(MEDIA_URL)],
        # Embedded players, created only when the reader asks (static/js/embeds.js).
        "frame-src": frame_sources(EMBED_MASTODON_INSTANCES),
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Regions are tags: "iraq" and "Iraq" are the same region.
TAGGIT_CASE_INSENSITIVE = True

# --- The newsroom itself ----------------------------------------------------------------
SITE_NAME = env("SITE_NAME", default="The Meridian Ledger")
SITE_TAGLINE = env("SITE_TAGLINE", default="Independent news from the regions others forget")
SUPPORT_CTA_TEXT = env(
    "SUPPORT_CTA_TEXT",
    default="Help us grow. Independent reporting is funded by readers like you.",
)
SUPPORT_CTA_URL = env("SUPPORT_CTA_URL", default="/support/")
SUPPORT_CTA_LABEL = env("SUPPORT_CTA_LABEL", default="Support us")
# The slug of the page (Pages in the admin) stating the newsroom's ethics and corrections
# policy: articles name it to search engines as their publisher's publishing principles.
PUBLISHING_PRINCIPLES = env("PUBLISHING_PRINCIPLES", default="ethics")
OPINION_DISCLAIMER = env(
    "OPINION_DISCLAIMER",
    default=(
        "The views expressed in this article are solely those of the author and do not "
        "necessarily reflect the editorial position of this publication."
    ),
)
# How long a shared draft-preview link stays valid, in seconds.
PREVIEW_MAX_AGE = env.int("PREVIEW_MAX_AGE", default=3 * 24 * 3600)
ARTICLES_PER_PAGE = env.int("ARTICLES_PER_PAGE", default=20)
# Lists (home, sections, regions, authors, search) go this many pages deep, so a deep
# page costs what the first does however large the archive; older articles are found by
# searching with dates. On SQLite, a search looks through the newest SEARCH_WINDOW
# articles that fit its filters; PostgreSQL finds every match through its index and
# ranks the newest SEARCH_WINDOW of them. As many as the results' pages can show.
LISTING_MAX_PAGES = env.int("LISTING_MAX_PAGES", default=50)
SEARCH_WINDOW = env.int("SEARCH_WINDOW", default=LISTING_MAX_PAGES * ARTICLES_PER_PAGE)
# PostgreSQL text search configuration (the language of stemming and stop words). The
# search index is built with it: after changing it, run
# `manage.py migrate articles 0004 && manage.py migrate` to rebuild the index.
SEARCH_CONFIG = env("SEARCH_CONFIG", default="english")

# --- Comments -------------------------------------------------------------------------
COMMENTS_CLOSE_AFTER_DAYS = env.int("COMMENTS_CLOSE_AFTER_DAYS", default=14)
# A form submitted faster than this after the page was made is treated as a bot's.
COMMENTS_MIN_SECONDS = env.int("COMMENTS_MIN_SECONDS", default=3)
# A form older than this has to be submitted again (the page was open for too long).
COMMENTS_MAX_FORM_AGE = env.int("COMMENTS_MAX_FORM_AGE", default=24 * 3600)
# At most this many comments per (client IP, e-mail) per window of seconds.
# Written "count/seconds,…"; empty turns rate limits off (load tests only).
COMMENTS_RATE_LIMITS = [
    (int(count), int(seconds))
    for count, seconds in (
        rule.split("/") for rule in env.list("COMMENTS_RATE_LIMITS", default=["5/60", "30/3600"])
    )
]
COMMENTS_MAX_LINKS = env.int("COMMENTS_MAX_LINKS", default=2)  # this many links holds
COMMENTS_REPORTS_TO_HOLD = env.int("COMMENTS_REPORTS_TO_HOLD", default=3)
COMMENTS_THREADS_PER_PAGE = env.int("COMMENTS_THREADS_PER_PAGE", default=20)
COMMENTS_MAX_DEPTH = env.int("COMMENTS_MAX_DEPTH", default=3)
COMMENTS_CONFIRM_MAX_AGE = env.int("COMMENTS_CONFIRM_MAX_AGE", default=3 * 24 * 3600)
# A mailed link to a reader's own data (download, erase) works once, within this many
# seconds; the page it opens stays open for READER_DATA_SESSION_SECONDS.
COMMENTS_DATA_LINK_MAX_AGE = env.int("COMMENTS_DATA_LINK_MAX_AGE", default=3600)
READER_DATA_SESSION_SECONDS = env.int("READER_DATA_SESSION_SECONDS", default=1800)
# Commenters' and reporters' IP addresses (for bans and moderators' judgement of recent
# comments) are forgotten this many days after the comment or report, by a daily task.
COMMENTS_IP_RETENTION_DAYS = env.int("COMMENTS_IP_RETENTION_DAYS", default=90)
# Where a reader's data lives, each module with export(address) and erase(address, *,
# comments): the reader data page gathers from all, and erases in reverse order (so a
# module listed after another can erase what refers to the other's rows first).
READER_DATA_SOURCES = ["comments.privacy", "newsroom.newsletters.privacy"]
# Confirmation mails (the only mail to unproven addresses) per hour, per mailbox (however
# the address is spelt: case, +tags, Gmail's dots) and per client address.
CONFIRMATION_MAILS_PER_MAILBOX_PER_HOUR = env.int(
    "CONFIRMATION_MAILS_PER_MAILBOX_PER_HOUR", default=3
)
CONFIRMATION_MAILS_PER_IP_PER_HOUR = env.int("CONFIRMATION_MAILS_PER_IP_PER_HOUR", default=10)
# How long an IP ban lasts. IP addresses are shared (homes, offices, carrier NAT) and
# change hands, so an IP ban always ends; an e-mail ban may be permanent.
COMMENTS_IP_BAN_DAYS = env.int("COMMENTS_IP_BAN_DAYS", default=7)
# Notification mail is sent by a task: run immediately unless a worker backend is set.
# Production: TASKS_BACKEND=django_tasks_db.DatabaseBackend and `manage.py db_worker`.
TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", default="django_tasks.backends.immediate.ImmediateBackend")
    }
}
NOTIFICATION_MAX_ATTEMPTS = 5
# /readyz/ answers 503 when the oldest task waiting for the worker is older than this.
READY_TASK_MAX_AGE = env.int("READY_TASK_MAX_AGE", default=600)
# ... and, at most this often per process, writes a small file to the media storage.
READY_STORAGE_WRITE_EVERY = env.int("READY_STORAGE_WRITE_EVERY", default=60)
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# Newsletters (newsroom/newsletters/). A claimed batch of deliveries is taken as a dead
# worker's after this many seconds; List-Unsubscribe's mailto: names this mailbox
# (empty: DEFAULT_FROM_EMAIL).
NEWSLETTERS_SEND_LEASE_SECONDS = env.int("NEWSLETTERS_SEND_LEASE_SECONDS", default=300)
NEWSLETTERS_UNSUBSCRIBE_MAILTO = env("NEWSLETTERS_UNSUBSCRIBE_MAILTO", default="")
# Mail through a provider's API instead of EMAIL_URL's SMTP: EMAIL_PROVIDER names a
# django-anymail backend (amazon_ses, mailgun, postmark, brevo, sendgrid, …) and its
# settings come from ANYMAIL_* variables (ANYMAIL_POSTMARK_SERVER_TOKEN=… → POSTMARK_SERVER_TOKEN).
# The same variables set up the provider's bounce and complaint webhooks
# (/newsletters/webhooks/<provider>/tracking/): ANYMAIL_WEBHOOK_SECRET is the
# "user:password" the provider is given for basic auth, and providers that sign their
# posts need their key too (ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY, …). An empty value is
# left out (anyone can sign with an empty key); with no secret set, the secret is a random
# one nobody knows, so every report is refused rather than any stranger's believed.
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): value
    for name, value in os.environ.items()
    if name.startswith("ANYMAIL_") and value
}
ANYMAIL.setdefault("WEBHOOK_SECRET", f"{secrets.token_urlsafe(16)}:{secrets.token_urlsafe(32)}")
EMAIL_PROVIDER = env("EMAIL_PROVIDER", default="")
if EMAIL_PROVIDER:
    if not EMAIL_PROVIDER.isidentifier() or not importlib.util.find_spec(
        f"anymail.backends.{EMAIL_PROVIDER}"
    ):
        raise ImproperlyConfigured(
            f"EMAIL_PROVIDER={EMAIL_PROVIDER!r} is not a django-anymail backend "
            "(e.g. amazon_ses, mailgun, postmark, brevo)."
        )
    EMAIL_BACKEND = f"anymail.backends.{EMAIL_PROVIDER}.EmailBackend"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Failed logins and lockouts are warnings; axes' routine notes are not worth a line.
        "axes": {"level": "WARNING"},
        # Django's own console handler would print every line a second time.
        "django": {"handlers": ["console"], "propagate": False},
    },
}
