"""`make bench-faults`: a fault campaign against the real server, in figures.

Seeds a site and starts gunicorn with production settings on 127.0.0.1, as `make bench`
does (bench/run.py), then runs bounded rounds of faults, each a fixed list of requests
with a time cap: strange input, query-string floods, comment abuse, the shared cache
down, the database busy, media storage refusing writes, and a worker killed with
SIGKILL during a burst of comment posts. Every comment the site acknowledged (303) must
be in the database afterwards. Prints a row per fault kind (requests, statuses, 500s,
rows lost, notes) and exits non-zero if any request answered 500 or any row was lost.

    python bench/faults.py --setup sqlite      # SQLite + local-memory cache
    python bench/faults.py --setup postgres    # PostgreSQL + Redis
"""

import argparse
import html
import http.client
import io
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import (
    ROOT,
    Server,
    django_output,
    drop_database,
    free_port,
    seed_site,
    setup_env,
)

CLIENTS = 4  # concurrent requests: the machine is small and shared
ROUND_SECONDS = 60  # a round stops sending when this is up, finished or not
MARK = "Fault campaign comment"  # every comment posted here starts so
DATABASE = "newsroom_faults"
REDIS = "redis://127.0.0.1:6379/9"
LOCK_SECONDS = 9  # held longer than two waits for it (DATABASE_WAIT_SECONDS, 4 s)


@dataclass
class Answer:
    status: int  # 0: no answer (connection refused or reset, timeout)
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    cookies: dict = field(default_factory=dict)  # from every Set-Cookie header


@dataclass
class Request:
    method: str
    path: str
    body: bytes | None = None
    headers: dict = field(default_factory=dict)
    marker: str = ""  # a comment's text: acknowledged when answered 303


@dataclass
class Round:
    kind: str
    sent: int = 0
    statuses: Counter = field(default_factory=Counter)
    acknowledged: list[str] = field(default_factory=list)
    lost: int = 0
    notes: list[str] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)  # broken promises other than 500s
    capped: bool = False

    def record(self, request: Request, answer: Answer) -> None:
        self.sent += 1
        self.statuses[answer.status] += 1
        if request.marker and answer.status == 303:
            self.acknowledged.append(request.marker)


def send(port: int, request: Request, timeout: float = 30) -> Answer:
    """One request on a connection of its own, sent as written (no client-side fixing)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.putrequest(request.method, request.path, skip_accept_encoding=True)
        headers = dict(request.headers)
        if request.body is not None:
            headers.setdefault("Content-Length", str(len(request.body)))
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders(request.body)
        response = connection.getresponse()
        cookies = dict(
            value.split(";", 1)[0].split("=", 1)
            for name, value in response.getheaders()
            if name.lower() == "set-cookie" and "=" in value
        )
        return Answer(response.status, dict(response.getheaders()), response.read(), cookies)
    except (OSError, http.client.HTTPException):
        return Answer(0)
    finally:
        connection.close()


def run_requests(port: int, requests: list[Request], result: Round, clients: int = CLIENTS):
    """Send the requests, ``clients`` at a time, until done or the round's time is up."""
    deadline = time.monotonic() + ROUND_SECONDS
    lock = threading.Lock()
    answers: list[tuple[Request, Answer]] = []

    def one(request: Request) -> None:
        if time.monotonic() > deadline:
            result.capped = True
            return
        answer = send(port, request)
        with lock:
            result.record(request, answer)
            answers.append((request, answer))

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, requests))
    return answers


# --- The site under test --------------------------------------------------------------------


class Campaign:
    """The seeded site, its server, and what it takes to post a comment to it."""

    def __init__(self, kind: str, workdir: Path, prefix: str):
        self.kind, self.workdir = kind, workdir
        env = setup_env(kind, workdir, database=DATABASE, cache=REDIS, prefix=prefix)
        self.mail = workdir / "mail"
        self.mail.mkdir()
        env.update(
            {
                "BENCH_ARTICLES": "60",
                # Production's abuse limits (bench/run.py turns them off for its spike)…
                "COMMENTS_RATE_LIMITS": "5/60,30/3600",
                # … behind one proxy, so each post can come from a client of its own.
                "TRUSTED_PROXIES": "1",
                # django-environ drops one slash after the scheme: four make the path absolute.
                "EMAIL_URL": f"filemail:///{self.mail}",
                "LOG_LEVEL": "WARNING",
            }
        )
        self.env = env
        self.site = seed_site(env)
        self.article_id = self.site["article_id"]
        self.log = open(workdir / "gunicorn.log", "w")  # noqa: SIM115
        self.servers: list[Server] = []
        self.server = self.start()
        code = f"from comments.forms import form_token;print(form_token({self.article_id}))"
        self.token = django_output(env, code).strip()
        time.sleep(1.5)  # the form must be older than COMMENTS_MIN_SECONDS
        self.clients = 0
        self.password = secrets.token_urlsafe(16)
        self.cookies: dict[str, str] = {}
        code = (
            "from django.contrib.auth import get_user_model;get_user_model().objects"
            f".create_superuser('faults-editor', 'editor@example.org', {self.password!r})"
        )
        django_output(env, code)

    def start(self, **changes) -> Server:
        server = Server({**self.env, **changes}, threaded=True, log=self.log)
        self.servers.append(server)
        return server

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
        self.log.close()

    def next_ip(self) -> str:
        self.clients += 1
        return f"10.{self.clients // 65536 % 256}.{self.clients // 256 % 256}.{self.clients % 256}"

    def comment(self, marker: str, ip: str = "", **fields) -> Request:
        """A comment post as the cached article page's form sends it."""
        form = {
            "name": "Fault Reader",
            "email": f"reader-{secrets.token_hex(4)}@example.org",
            "body": f"{MARK} {marker}",
            "ts": self.token,
            "website": "",
            "notify": "",
            **fields,
        }
        return Request(
            "POST",
            f"/comments/article/{self.article_id}/post/",
            urllib.parse.urlencode(form).encode(),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Forwarded-For": ip or self.next_ip(),
            },
            marker=form["body"] if form["body"].startswith(MARK) else "",
        )

    def stored_comments(self) -> set[str]:
        code = (
            "import json;from comments.models import Comment;"
            f"print(json.dumps(list(Comment.objects.filter(body__startswith={MARK!r})"
            ".values_list('body', flat=True))))"
        )
        return set(json.loads(django_output(self.env, code)))

    def settle(self, result: Round) -> Round:
        """Rows lost: acknowledged comments that are not in the database."""
        stored = self.stored_comments()
        result.lost = sum(1 for body in result.acknowledged if body not in stored)
        return result


# --- The fault kinds ------------------------------------------------------------------------


def strange_paths(site: dict, article_id: int) -> list[str]:
    article, comments = site["article"]["0"], f"/comments/article/{article_id}/"
    return [
        "/x%00y/", "/section/%00/", "/preview/%00/", "/comments/confirm/%00/",
        "/comments/unsubscribe/%00/", f"{article}%00/", f"{site['section']}?page=%00",
        "/?p=%C2%B2", "/?page_id=%C2%B2", "/?page=%D9%A3", "/?p=99999999999999999999999999",
        "/?page=-1", "/?page=1e9", f"{site['section']}?page=%D9%A3",
        f"{site['section']}?page=99999999999999999999", f"{comments}?page=%C2%B2",
        f"{comments}?page=99999999999999999999999", "/%ED%A0%80/", "/?q=%ED%A0%80",
        "/search/?q=%ED%A0%80", "/search/?q=%00", "/search/?q=a&page=%C2%B2", "/%FF%FE/",
        "/%/", "/%zz/", "/?%=%", "/?p=%", "/comments/%C2%B2/report/",
        "/comments/99999999999999999999999/report/", f"/comments/article/{'9' * 30}/",
        "/" + "a" * 3000 + "/", f"/2024/13/45/{'x' * 300}/", "/sitemap-%00.xml",
        "/feed/?format=%00", "/admin/login/?next=%00", "/sitemap.xml?p=%C2%B2",
        "/sitemap-news.xml?p=99999999999999999999", "/preview/x%3Ay/", "/comments/1/report/",
    ]  # fmt: skip


def strange_posts(campaign: Campaign) -> list[Request]:
    post, too_big = campaign.comment, "x" * (3 * 1024 * 1024)
    many = urllib.parse.urlencode({f"f{i}": "1" for i in range(1500)}).encode()
    path = f"/comments/article/{campaign.article_id}/post/"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    return [
        post("nul-name", name="Bad\x00Name"),
        post("nul-email", email="a\x00b@example.org"),
        Request("POST", path, f"body={MARK}+nul-body+%00&name=A&ts=x".encode(), form),
        post("parent-sup2", parent="²"),
        post("parent-arabic", parent="٣"),
        post("parent-huge", parent="9" * 40),
        post("parent-negative", parent="-1"),
        post("surrogate", name=b"Bad\xed\xb3\xbfName"),
        post("bad-ts", ts="%00garbage"),
        post("anchor", anchor="quote-%00", excerpt="\x00"),
        Request("POST", path, too_big.encode(), form),
        Request("POST", path, many, form),
        Request(
            "POST",
            path,
            b'--XX\r\nContent-Disposition: form-data; name="body"\r\n\r\nbroken',
            {"Content-Type": "multipart/form-data; boundary=XX"},
        ),
        Request("POST", path, b"garbage", {"Content-Type": "multipart/form-data"}),
        Request("POST", path, b"\xff\xfe\x00", {"Content-Type": "multipart/form-data; boundary="}),
        Request("POST", f"/comments/article/{'9' * 30}/post/", b"", form),
        Request("POST", "/comments/1/report/send/", b"kind=%00&note=%ED%A0%80&ts=x", form),
        Request("POST", "/comments/1/report/send/", b"kind=spam&ts=%C2%B2&website=", form),
        Request("POST", "/comments/confirm/x%3Ay%3Az/", b"", form),
        Request("POST", "/comments/unsubscribe/%ED%A0%80/", b"", form),
        Request("POST", "/admin/login/", b"username=%ED%B3%BF&password=%C2%B2", form),
    ]


def strange_headers(site: dict) -> list[Request]:
    article = site["article"]["0"]
    cookies = [
        "sessionid=\x00", "csrftoken=%00", "nr_commenter=\x00garbage", "nr_verified=a:b:c",
        "sessionid=" + "9" * 4000, "nr_verified=\udcff".encode("utf-8", "surrogatepass")
        .decode("latin-1"),
    ]  # fmt: skip
    requests = [Request("GET", article, headers={"Cookie": cookie}) for cookie in cookies]
    requests += [
        Request("GET", "/", headers={"Host": "evil.example"}),
        Request("GET", "/", headers={"Host": "127.0.0.1:\x00"}),
        Request("GET", article, headers={"If-None-Match": "\x00", "Accept-Encoding": "\x00"}),
        Request("GET", "/", headers={"X-Forwarded-For": "\x00, 999.1.1.1"}),
    ]
    return requests


def strange_methods(site: dict) -> list[Request]:
    paths = ["/", site["article"]["0"], site["section"], site["feed"], "/robots.txt"]
    methods = ["PUT", "DELETE", "PATCH", "OPTIONS", "FOO", "TRACE", "PROPFIND"]
    return [Request(method, path, b"") for path in paths for method in methods]


def unsafe_next(campaign: Campaign, result: Round) -> None:
    """Log in to the admin with an unsafe ?next=: where does the editor land?"""
    landed = []
    for target in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
    ]:
        location = admin_login(campaign, result, next_page=target)
        landed.append(location)
    safe = all(place == "/admin/" for place in landed)
    result.notes.append(f"admin login with unsafe next → {', '.join(sorted(set(landed)))}")
    if not safe:
        result.notes.append("  unsafe next led elsewhere than /admin/")


def round_strange_input(campaign: Campaign) -> Round:
    result = Round("1. strange input")
    site = campaign.site
    requests = [Request("GET", path) for path in strange_paths(site, campaign.article_id)]
    requests += strange_posts(campaign) + strange_headers(site)
    methods = strange_methods(site)
    answers = run_requests(campaign.server.port, requests + methods, result)
    unsafe_next(campaign, result)
    refused = [a for r, a in answers if r in methods and a.status == 405]
    with_allow = [answer for answer in refused if "Allow" in answer.headers]
    result.notes.append(
        f"unusual methods: {len(refused)}/{len(methods)} answered 405, "
        f"{len(with_allow)} with Allow (OPTIONS and TRACE may answer otherwise)"
    )
    # gunicorn itself refuses some requests (a NUL in a header) before Django sees them.
    bare = [(r, a) for r, a in answers if 400 <= a.status < 500 and b"<main" not in a.body]
    said = Counter(
        re.sub(r"<[^>]+>", " ", html.unescape(a.body.decode(errors="replace"))).split()[-1]
        for _r, a in bare
    )
    result.notes.append(
        f"4xx not the site's error page (gunicorn's own): {len(bare)} "
        f"({', '.join(f'{n}× {what}' for what, n in sorted(said.items()))})"
    )
    return campaign.settle(result)


def round_floods(campaign: Campaign) -> Round:
    result = Round("2. query-string floods")
    site, token = campaign.site, secrets.token_hex
    requests = [Request("GET", f"/?utm_source={token(6)}") for _ in range(200)]
    requests += [Request("GET", f"{site['section']}?fbclid={token(8)}") for _ in range(100)]
    requests += [
        Request("GET", f"{site['article']['0']}?{token(3)}={token(4)}") for _ in range(100)
    ]
    requests += [Request("GET", f"/?gclid={token(4)}&mc_eid={token(4)}") for _ in range(100)]
    answers = run_requests(campaign.server.port, requests, result)
    states = Counter(answer.headers.get("X-Page-Cache", "none") for _r, answer in answers)
    result.notes.append(
        f"{len(answers)} requests to 3 pages: {states['miss']} renders (X-Page-Cache: "
        + ", ".join(f"{state} {count}" for state, count in sorted(states.items()))
        + ")"
    )
    return campaign.settle(result)


def mails_to(mailbox: Path, local_part: str) -> int:
    pattern = re.compile(rf"^To: {re.escape(local_part)}(\+[^@]*)?@", re.M | re.I)
    return sum(len(pattern.findall(path.read_text())) for path in mailbox.glob("*.log"))


def round_comment_abuse(campaign: Campaign) -> Round:
    result = Round("3. comment abuse")
    spammer, hurried = "203.0.113.7", "203.0.113.9"
    bot = [
        campaign.comment(f"honeypot {i}", ip=spammer, website="http://spam.example/")
        for i in range(60)
    ]
    victim = [
        campaign.comment(f"victim {i}", email=f"victim+{i}@example.com", notify="replies")
        for i in range(10)
    ]
    rapid = [campaign.comment(f"rapid {i}", ip=hurried) for i in range(20)]
    run_requests(campaign.server.port, bot + victim + rapid, result)
    time.sleep(1)  # confirmation mails go out after their comment's commit
    stored = campaign.stored_comments()
    for name, posts, limit in [
        ("honeypot posts from one IP", bot, "5/60 s per IP"),
        ("rapid posts from one IP", rapid, "5/60 s per IP"),
    ]:
        kept = sum(1 for post in posts if post.marker in stored)
        result.notes.append(f"{name}: {len(posts)} sent, {kept} stored (limit {limit})")
    mails = mails_to(campaign.mail, "victim")
    result.notes.append(
        f"confirmations asked for victim+0..9@example.com: {mails} mails to that mailbox "
        "(cap 3 an hour)"
    )
    return campaign.settle(result)


def site_pages(campaign: Campaign) -> list[str]:
    site, article_id = campaign.site, campaign.article_id
    return [
        "/", site["section"], site["region"], site["article"]["100"], site["article"]["0"],
        site["feed"], "/robots.txt", "/sitemap.xml", f"/comments/article/{article_id}/",
        "/search/?q=president", "/healthz/",
    ]  # fmt: skip


def round_cache_down(campaign: Campaign) -> Round:
    """A second server whose CACHE_URL is a port nothing listens on: Redis stopped."""
    result = Round("4. shared cache down")
    server = campaign.start(CACHE_URL=f"redis://127.0.0.1:{free_port()}/0")
    try:
        requests = [Request("GET", path) for path in site_pages(campaign) * 8]
        requests += [campaign.comment(f"cache down {i}") for i in range(20)]
        run_requests(server.port, requests, result)
        ready = send(server.port, Request("GET", "/readyz/"))
        result.record(Request("GET", "/readyz/"), ready)
        said = ready.body.decode(errors="replace").strip().replace("\n", "; ")
        result.notes.append(f"/readyz/ → {ready.status} {said[:70]}")
    finally:
        server.stop()
    return campaign.settle(result)


class WriteLock:
    """A write lock on the comments, held by a connection of its own for ``seconds``."""

    def __init__(self, campaign: Campaign, seconds: float):
        self.campaign, self.seconds = campaign, seconds
        self.taken, self.released = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self.hold, daemon=True)

    def hold(self) -> None:
        if self.campaign.kind == "sqlite":
            import sqlite3

            url = self.campaign.env["DATABASE_URL"].removeprefix("sqlite:///")
            db = sqlite3.connect("/" + url.lstrip("/"), isolation_level=None, timeout=30)
            db.execute("BEGIN IMMEDIATE")
        else:
            import psycopg

            db = psycopg.connect(
                self.campaign.env["DATABASE_URL"].replace("postgres:", "postgresql:")
            )
            db.execute("LOCK TABLE comments_comment IN EXCLUSIVE MODE")
        self.taken.set()
        time.sleep(self.seconds)
        db.rollback()
        db.close()
        self.released.set()


def round_database_busy(campaign: Campaign) -> Round:
    result = Round("5. database busy")
    lock = WriteLock(campaign, LOCK_SECONDS)
    lock.thread.start()
    lock.taken.wait(30)
    posts = [campaign.comment(f"busy {i}") for i in range(8)]
    reads = [Request("GET", path) for path in site_pages(campaign)]
    answers = run_requests(campaign.server.port, posts + reads, result)
    lock.released.wait(60)
    busy = [(r, a) for r, a in answers if r.marker and a.status == 503]
    told = sum(1 for _r, a in busy if "Retry-After" in a.headers)
    kept = sum(1 for r, a in busy if r.marker.encode() in a.body)
    again = run_requests(campaign.server.port, [request for request, _a in busy], result)
    stored_after = sum(1 for _r, a in again if a.status == 303)
    duplicates = sum(1 for _r, a in again if a.status == 409)
    result.notes.append(
        f"lock held {LOCK_SECONDS} s: {len(busy)} of {len(posts)} posts answered 503, "
        f"{told} with Retry-After, {kept} showing the reader's text; sent again after "
        f"release: {stored_after} stored, {duplicates} refused as already posted"
    )
    return campaign.settle(result)


class MediaRefusesWrites:
    """MEDIA_ROOT read-only (chmod). Root writes through any mode, so as root the photo
    folder's place is also taken by a file: every new upload's folder fails to be made."""

    def __init__(self, media: Path):
        self.media = media
        self.photos, self.moved = media / "photos", media / "photos.faults"
        self.how = "chmod a-w"

    def __enter__(self):
        for folder, _dirs, _files in os.walk(self.media):
            os.chmod(folder, 0o500)
        if os.geteuid() == 0:
            self.photos.rename(self.moved)
            self.photos.write_text("")
            self.how = "chmod a-w, and a file where the photo folder was (root ignores modes)"
        return self

    def __exit__(self, *exc):
        if self.moved.exists():
            self.photos.unlink()
            self.moved.rename(self.photos)
        for folder, _dirs, _files in os.walk(self.media):
            os.chmod(folder, 0o700)


def jpeg() -> bytes:
    from PIL import Image

    data = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 40, 40)).save(data, "JPEG")
    return data.getvalue()


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = f"faults{secrets.token_hex(8)}"
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for name, (filename, content) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def admin_login(campaign: Campaign, result: Round, next_page: str = "/admin/") -> str:
    """Log the editor in; returns where the login sent them (cookies kept on campaign)."""
    port = campaign.server.port
    path = f"/admin/login/?next={urllib.parse.quote(next_page, safe='')}"
    page = Request("GET", path)
    answer = send(port, page)
    result.record(page, answer)
    csrf = answer.cookies.get("csrftoken", "")
    form = {"username": "faults-editor", "password": campaign.password}
    form |= {"csrfmiddlewaretoken": csrf, "next": next_page}
    login = Request(
        "POST",
        path,
        urllib.parse.urlencode(form).encode(),
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}"},
    )
    answer = send(port, login)
    result.record(login, answer)
    campaign.cookies = {"csrftoken": csrf, **answer.cookies}
    return answer.headers.get("Location", f"(no redirect: {answer.status})")


def upload_photo(campaign: Campaign, result: Round, caption: str) -> Answer:
    cookies = campaign.cookies
    body, content_type = multipart(
        {
            "csrfmiddlewaretoken": cookies["csrftoken"],
            "alt_text": "A red square",
            "caption": caption,
            "photographer": "Fault Campaign",
            "agency": "",
            "_save": "Save",
        },
        {"image": ("red.jpg", jpeg())},
    )
    cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
    request = Request(
        "POST",
        "/admin/articles/photo/add/",
        body,
        {"Content-Type": content_type, "Cookie": cookie},
        marker=caption,
    )
    answer = send(campaign.server.port, request)
    result.record(request, answer)
    return answer


def stored_captions(campaign: Campaign) -> set[str]:
    code = (
        "import json;from articles.models import Photo;"
        "print(json.dumps(list(Photo.objects.filter(caption__startswith='Fault campaign photo')"
        ".values_list('caption', flat=True))))"
    )
    return set(json.loads(django_output(campaign.env, code)))


def round_storage(campaign: Campaign) -> Round:
    result = Round("6. media storage refuses writes")
    admin_login(campaign, result)
    with MediaRefusesWrites(Path(campaign.env["MEDIA_ROOT"])) as fault:
        refused = [upload_photo(campaign, result, f"Fault campaign photo {i}") for i in range(5)]
        ready = send(campaign.server.port, Request("GET", "/readyz/"))
        result.record(Request("GET", "/readyz/"), ready)
    saved = upload_photo(campaign, result, "Fault campaign photo after")
    captions = stored_captions(campaign)
    told = sum(1 for a in refused if a.status == 200 and b"could not be stored" in a.body)
    half = sum(1 for i in range(5) if f"Fault campaign photo {i}" in captions)
    result.notes.append(f"storage made to refuse writes by {fault.how}")
    result.notes.append(
        f"uploads while refused: {told}/5 answered with the form error, {half} rows left; "
        f"/readyz/ said {ready.status}; upload after: {saved.status}"
    )
    if half:
        result.defects.append(f"{half} photo rows stored while the storage refused writes")
    result.lost = 0 if saved.status != 302 or "Fault campaign photo after" in captions else 1
    return result


def worker_pids(master: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def kill_workers(campaign: Campaign, result: Round, at: list[int], killed: list[int]) -> None:
    """SIGKILL one of the server's workers each time the round has sent ``at`` requests."""
    master, deadline = campaign.server.process.pid, time.monotonic() + ROUND_SECONDS
    for count in at:
        while result.sent < count and time.monotonic() < deadline:
            time.sleep(0.02)
        workers = worker_pids(master)
        if workers:
            os.kill(workers[0], signal.SIGKILL)
            killed.append(workers[0])


def round_worker_killed(campaign: Campaign) -> Round:
    result = Round("7. worker killed (kill -9)")
    posts = [campaign.comment(f"burst {i}") for i in range(150)]
    killed: list[int] = []
    killer = threading.Thread(target=kill_workers, args=(campaign, result, [30, 90], killed))
    killer.start()
    answers = run_requests(campaign.server.port, posts, result, clients=6)
    killer.join()
    for _ in range(150):  # the master starts new workers
        if len(worker_pids(campaign.server.process.pid)) >= 2:
            break
        time.sleep(0.1)
    stored = campaign.stored_comments()
    unanswered = [request for request, answer in answers if answer.status == 0]
    kept = sum(1 for request in unanswered if request.marker in stored)
    result.notes.append(
        f"{len(killed)} workers killed mid-burst; {len(unanswered)} posts got no answer "
        f"({kept} of them stored all the same: committed before the worker died)"
    )
    return campaign.settle(result)


ROUNDS: list[Callable[[Campaign], Round]] = [
    round_strange_input,
    round_floods,
    round_comment_abuse,
    round_cache_down,
    round_database_busy,
    round_storage,
    round_worker_killed,
]


# --- Running and reporting ------------------------------------------------------------------


def histogram(statuses: Counter) -> str:
    return " ".join(f"{status or 'none'}:{count}" for status, count in sorted(statuses.items()))


def row(result: Round) -> str:
    capped = " (time cap reached)" if result.capped else ""
    lines = [
        f"{result.kind:32} {result.sent:5} {result.statuses[500]:5} {result.lost:5}  "
        f"{histogram(result.statuses)}{capped}"
    ]
    lines += [f"{'':34}{note}" for note in result.notes]
    lines += [f"{'':34}DEFECT: {defect}" for defect in result.defects]
    return "\n".join(lines)


def summary(rounds: list[Round]) -> str:
    sent = sum(result.sent for result in rounds)
    errors = sum(result.statuses[500] for result in rounds)
    lost = sum(result.lost for result in rounds)
    return f"faults: {sent} requests, {len(rounds)} kinds, {errors} answered 500, {lost} rows lost"


def cleanup(kind: str, prefix: str) -> None:
    if kind != "postgres":
        return
    drop_database(DATABASE)
    import redis

    client = redis.Redis.from_url(REDIS)
    for key in client.scan_iter(f"{prefix}:*", count=500):
        client.delete(key)


def run(kind: str, results: Path) -> list[Round]:
    """Every round of one setup, each row printed as it is done."""
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-faults-"))
    campaign, prefix = None, f"faults-{os.getpid()}-{secrets.token_hex(3)}"
    print(f"Fault campaign — {kind} — {time.strftime('%Y-%m-%d %H:%M')}\n", flush=True)
    print(f"{'kind':32} {'sent':>5} {'500s':>5} {'lost':>5}  statuses", flush=True)
    rounds = []
    try:
        campaign = Campaign(kind, workdir, prefix)
        for step in ROUNDS:
            rounds.append(step(campaign))
            print(row(rounds[-1]), flush=True)
    finally:
        if campaign is not None:
            campaign.stop()
            shutil.copy(workdir / "gunicorn.log", results / f"faults-{kind}.log")
        cleanup(kind, prefix)
        shutil.rmtree(workdir, ignore_errors=True)
    return rounds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setup", choices=["sqlite", "postgres"], action="append")
    args = parser.parse_args()
    results = ROOT / "bench-results"
    results.mkdir(exist_ok=True)
    failed = False
    for kind in args.setup or ["sqlite", "postgres"]:
        started = time.monotonic()
        rounds = run(kind, results)
        text = "\n".join(
            [
                f"Fault campaign — {kind} — {time.strftime('%Y-%m-%d %H:%M')}",
                "",
                f"{'kind':32} {'sent':>5} {'500s':>5} {'lost':>5}  statuses",
                *(row(result) for result in rounds),
                "",
                summary(rounds),
            ]
        )
        print(f"\n{summary(rounds)} ({time.monotonic() - started:.0f} s)\n", flush=True)
        (results / f"faults-{kind}.txt").write_text(text + "\n")
        failed |= any(r.statuses[500] or r.lost or r.defects for r in rounds)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
