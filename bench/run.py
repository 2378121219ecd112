"""`make bench`: the real server under a real load generator, measured against baselines.

Builds a seeded site, starts gunicorn (2 workers) on 127.0.0.1 with production-shaped
settings, drives it with wrk, and compares every measured path with baselines taken in
the same run: a trivial view through all middleware ("hello") and WhiteNoise serving the
article page's bytes as a static file. Each pair is interleaved, 3 times, medians kept.
Prints and saves a table; exits non-zero when a goal is missed.

    python bench/run.py --setup sqlite       # SQLite + local-memory cache
    python bench/run.py --setup postgres     # PostgreSQL + Redis
    python bench/run.py --setup cache-down   # SQLite + a Redis that does not answer
    python bench/run.py --scale              # every page uncached: demo vs a large archive
    python bench/run.py --setup edge         # Varnish in front (bench/edge.py)
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DURATION = os.environ.get("BENCH_SECONDS", "4")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn, 2 workers, on a free local port; always stopped, by its own PID.

    Pages are measured on plain sync workers; `threaded` keeps the project's own
    threaded workers (gunicorn.conf.py), as the comment spike does.
    """

    def __init__(self, env: dict, threaded: bool = False, log=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [
            PYTHON,
            "-m",
            "gunicorn",
            "newsroom.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ]
        if not threaded:
            command += ["--worker-class", "sync", "--threads", "1"]
        # ``log``: an open file for the server's output (default: this terminal).
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        for _ in range(100):
            try:
                urllib.request.urlopen(self.url + "/healthz/", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit("gunicorn did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wrk(
    url: str, connections: int = 16, script: str | None = None, headers=(), seconds: str = DURATION
) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", script]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout

    def ms(text: str) -> float:
        value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.M))
    result = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
        "p50": ms(latency["50"]),
        "p99": ms(latency["99"]),
        "max": ms(re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", output)[1]),
        "non2xx": int((re.search(r"Non-2xx or 3xx responses: (\d+)", output) or [0, 0])[1]),
        "errors": sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output)),
        "output": output,
    }
    return result


def paired(measured: str, baseline: str, repeat: int = 3, headers=()) -> tuple[dict, dict]:
    """Interleave a path with its baseline; medians of each."""
    runs_m, runs_b = [], []
    for _ in range(repeat):
        runs_m.append(wrk(measured, headers=headers))
        runs_b.append(wrk(baseline))

    def median(runs):
        return {key: statistics.median(run[key] for run in runs) for key in ("rps", "p50", "p99")}

    return median(runs_m), median(runs_b)


def postgres_admin():
    """A connection to the server's maintenance database, to create and drop databases."""
    import psycopg

    return psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True)


def drop_database(name: str) -> None:
    with postgres_admin() as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_env(
    kind: str, workdir: Path, database: str = "newsroom_bench", cache: str = "", prefix: str = ""
) -> dict:
    """The server's environment for a setup: production settings on 127.0.0.1.

    PostgreSQL gets a new, empty ``database``. Redis is ``cache`` (a redis:// URL) with
    keys under ``prefix``; without a cache of its own, Redis database 7 is emptied.
    """
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "ROOT_URLCONF": "bench.urls",
        "MEDIA_ROOT": str(workdir / "media"),
        "STATIC_ROOT": str(workdir / "static"),
        "COMMENTS_RATE_LIMITS": "",
        "COMMENTS_MIN_SECONDS": "1",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        "EMAIL_URL": "dummymail://",
        "BENCH_ARTICLES": os.environ.get("BENCH_ARTICLES", "200"),
    }
    if kind == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{workdir / (database + '.sqlite3')}"
        env["CACHE_URL"] = "locmemcache://bench"
    else:
        drop_database(database)
        with postgres_admin() as db:
            db.execute(f'CREATE DATABASE "{database}"')
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
        env["CACHE_URL"] = cache or "redis://127.0.0.1:6379/7"
        env["CACHE_KEY_PREFIX"] = prefix
        if not cache:
            subprocess.run(["redis-cli", "-n", "7", "FLUSHDB"], check=True, capture_output=True)
    return env


SPIKE_SCRIPT = """
local counter = 0
local id = 0
setup = function(thread) thread:set("id", math.random(1, 1000000000)) end
init = function(args) id = wrk.thread:get("id") end
request = function()
  counter = counter + 1
  local body = "name=Bench+Reader&email=r" .. id .. "x" .. counter .. "RUN%40example.org"
    .. "&body=Spike+comment+RUN+" .. counter .. "+of+" .. id .. "&ts=TOKEN&website="
  return wrk.format("POST", "PATH", {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
"""


def django_output(env: dict, code: str) -> str:
    """What a line of Python prints, run with Django set up against the benchmark's site."""
    return subprocess.run(
        [PYTHON, "-c", f"import django;django.setup();{code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def comment_count(env: dict) -> int:
    return int(
        django_output(env, "from comments.models import Comment;print(Comment.objects.count())")
    )


def spike_script(workdir: Path, run: str, token: str, path: str) -> str:
    """The wrk script posting comments for one run; returns its file name.

    wrk's random numbers repeat from run to run: the run's name keeps each run's comments
    distinct, so none is refused as a duplicate.
    """
    script = workdir / f"spike-{run}.lua"
    script.write_text(
        SPIKE_SCRIPT.replace("TOKEN", token).replace("PATH", path).replace("RUN", run)
    )
    return str(script)


def spike(env: dict, site: dict, workdir: Path) -> dict:
    """32 concurrent comment posts and 8 readers for 10 seconds, threaded workers."""
    article = site["article"]["100"]
    server = Server(env, threaded=True)
    try:
        code = f"from comments.forms import form_token;print(form_token({site['article_id']}))"
        token = django_output(env, code).strip()
        time.sleep(1.5)  # older than COMMENTS_MIN_SECONDS
        path = f"/comments/article/{site['article_id']}/post/"
        # Warm the workers first (imports, templates, word lists, connections), as a
        # server in service is: the spike measures a running site, not its start.
        warm = spike_script(workdir, "warm", token, path)
        wrk(server.url, connections=4, script=warm, seconds="2")
        urllib.request.urlopen(server.url + article).read()
        before = comment_count(env)
        readers = subprocess.Popen(
            ["wrk", "-t1", "-c8", "-d10s", server.url + article], stdout=subprocess.DEVNULL
        )
        script = spike_script(workdir, "spike", token, path)
        posts = wrk(server.url, connections=32, script=script, seconds="10")
        readers.wait()
        after = comment_count(env)
    finally:
        server.stop()
    # wrk counts 3xx as success; the post view answers 303, so any non-3xx is a failure.
    return {
        "stored_per_s": (after - before) / 10,
        "sent_per_s": posts["rps"],
        "failed": posts["non2xx"] + posts["errors"],
        "max_ms": posts["max"],
        "p50_ms": posts["p50"],
        "p99_ms": posts["p99"],
    }


# Goals 2 and 6 are behaviour, not speed: their tests run here against the setup's database.
GOAL_TESTS = {
    "2. constant queries (article 0/100/500 comments, listings, feeds, admin lists)": [
        "tests/articles/test_pages.py::test_article_page_queries_do_not_grow_with_its_parts",
        "tests/articles/test_pages.py::test_listing_queries_do_not_grow_with_articles",
        "tests/comments/test_threads.py::test_article_page_queries_do_not_grow_with_comments",
        "tests/articles/test_feeds.py::test_feed_queries_do_not_grow_with_items",
        "tests/articles/test_admin.py::test_changelist_of_hundred_articles_is_a_handful_of_queries",
        "tests/comments/test_moderation_queue.py::test_queue_of_hundred_comments_is_a_handful_of_queries",
        "tests/pagecache/test_pagecache.py::test_if_none_match_gets_304_without_queries",
    ],
    "6. never stale (publish, edit, schedule, approve; two app servers)": [
        "tests/pagecache/test_freshness.py",
        "tests/pagecache/test_pagecache.py",
        "tests/pagecache/test_scale_out.py",
    ],
}


def run_tests(env: dict, tests: list[str], workdir: Path) -> tuple[bool, str]:
    test_env = {**env, "TEST_SQLITE_NAME": str(workdir / "tests.sqlite3")}
    for name in ("ROOT_URLCONF", "DEBUG", "SECRET_KEY", "MEDIA_ROOT", "STATIC_ROOT"):
        test_env.pop(name, None)
    done = subprocess.run(
        [PYTHON, "-m", "pytest", *tests],
        cwd=ROOT,
        env=test_env,
        capture_output=True,
        text=True,
    )
    summary = (done.stdout.strip().splitlines() or ["no output"])[-1]
    return done.returncode == 0, summary


def run(kind: str) -> tuple[list[tuple], list[tuple], float]:
    """Every measurement and goal of one setup: (table rows, goals, comments stored per s)."""
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-bench-"))
    try:
        env = setup_env(kind, workdir)
        site = seed_site(env)
        save_static_baseline(env, site, workdir)
        rows, goals = measure_pages(env, site, floor=1.0 if kind == "sqlite" else 0.5)
        goals.append(render_goal(site["render_seconds"]))
        for goal, tests in GOAL_TESTS.items():
            passed, figure = run_tests(env, tests, workdir)
            goals.append((goal, passed, figure))
        result = spike(env, site, workdir)
        goals += spike_goals(result)
        rows.append(
            (
                "comment posts (spike)",
                {"rps": result["stored_per_s"], "p50": result["p50_ms"], "p99": result["p99_ms"]},
                None,  # no baseline: stored comments per second
            )
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return rows, goals, result["stored_per_s"]


def run_cache_down() -> tuple[list[tuple], list[tuple]]:
    """Redis unreachable (CACHE_URL at a port nothing listens on): (table rows, goals).

    Every page must still answer 200, rendered uncached, and /readyz/ must name the cache;
    the figures are the site's uncached throughput, against the trivial view.
    """
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-bench-"))
    try:
        env = setup_env("sqlite", workdir)
        env["CACHE_URL"] = f"redis://127.0.0.1:{free_port()}/0"
        site = seed_site(env)
        server = Server(env)
        try:
            return measure_cache_down(server, site)
        finally:
            server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def measure_cache_down(server: Server, site: dict) -> tuple[list[tuple], list[tuple]]:
    hello = wrk(server.url + "/bench/hello/")
    rows, goals = [("hello (baseline)", hello, 1.0)], []
    for name, url in [
        ("article", site["article"]["100"]),
        ("home", site["home"]),
        ("section", site["section"]),
        ("region", site["region"]),
        ("RSS feed", site["feed"]),
    ]:
        status = urllib.request.urlopen(server.url + url).status
        measured = wrk(server.url + url)
        failed = measured["non2xx"] + measured["errors"]
        rows.append((f"{name}, cache down", measured, measured["rps"] / hello["rps"]))
        goals.append(
            (f"cache down: {name} answers 200", status == 200 and not failed, f"{failed} failed")
        )
    try:
        urllib.request.urlopen(server.url + "/readyz/")
        status, body = 200, ""
    except urllib.error.HTTPError as answer:
        status, body = answer.code, answer.read().decode()
    named = status == 503 and body.startswith("cache:")
    goals.append(("cache down: /readyz/ answers 503 naming the cache", named, body.strip()))
    return rows, goals


def seed_site(env: dict) -> dict:
    """Build the seeded site; returns what bench/seed.py reports (paths, ids, timings)."""
    seeded = subprocess.run(
        [PYTHON, "bench/seed.py"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(seeded.strip().splitlines()[-1])


def save_static_baseline(env: dict, site: dict, workdir: Path) -> None:
    """The static baseline: the article page's own bytes, served by WhiteNoise."""
    probe = Server(env)
    try:
        page = urllib.request.urlopen(probe.url + site["article"]["100"]).read()
    finally:
        probe.stop()
    (workdir / "static" / "bench").mkdir(parents=True, exist_ok=True)
    (workdir / "static" / "bench" / "article.html").write_bytes(page)


def measure_pages(env: dict, site: dict, floor: float) -> tuple[list[tuple], list[tuple]]:
    """Cached pages against the static baseline, and 304s against hello: (rows, goals).

    ``floor`` is the share of the static baseline's requests per second a page must reach.
    """
    rows, goals = [], []
    server = Server(env)
    try:
        static = server.url + "/static/bench/article.html"
        hello = server.url + "/bench/hello/"
        pages = ["article", "home", "section", "region", "feed"]
        for url in [site["article"]["100"], *(site[page] for page in pages[1:])]:
            urllib.request.urlopen(server.url + url).read()  # warm the cache
        hello_m, static_m = paired(hello, static)
        rows.append(("hello (baseline)", hello_m, 1.0))
        rows.append(("static article (baseline)", static_m, 1.0))
        for name, url in [
            ("article, cached", site["article"]["100"]),
            ("home, cached", site["home"]),
            ("section, cached", site["section"]),
            ("region, cached", site["region"]),
            ("RSS feed, cached", site["feed"]),
        ]:
            measured, baseline = paired(server.url + url, static)
            ratio = measured["rps"] / baseline["rps"]
            rows.append((name, measured, ratio))
            goals.append((f"1. {name} ≥ {floor}× static", ratio >= floor, f"{ratio:.2f}×"))
        row, goal = measure_revalidation(server, site, hello)
        rows.append(row)
        goals.append(goal)
    finally:
        server.stop()
    return rows, goals


def measure_revalidation(server: Server, site: dict, hello: str) -> tuple[tuple, tuple]:
    """Conditional requests that get 304 Not Modified, against hello: (row, goal)."""
    article = server.url + site["article"]["100"]
    etag = urllib.request.urlopen(article).headers["ETag"]
    revalidate, hello_again = paired(article, hello, headers=[f"If-None-Match: {etag}"])
    ratio = revalidate["rps"] / hello_again["rps"]
    return (
        ("304 revalidation", revalidate, ratio),
        ("4. 304 revalidation ≥ 0.5× hello", ratio >= 0.5, f"{ratio:.2f}×"),
    )


def render_goal(render: dict) -> tuple:
    ratio = render["500"] / render["0"]
    return (
        "3. uncached 500-comment render ≤ 6× 0-comment",
        ratio <= 6,
        f"{ratio:.2f}× ({render['500'] * 1000:.1f} ms vs {render['0'] * 1000:.1f} ms)",
    )


def spike_goals(result: dict) -> list[tuple]:
    return [
        ("5. comment spike: 0 failed posts", result["failed"] == 0, f"{result['failed']} failed"),
        (
            "5. comment spike: worst post ≤ 1 s",
            result["max_ms"] <= 1000,
            f"{result['max_ms']:.0f} ms",
        ),
    ]


def table(kind: str, rows, goals) -> str:
    lines = [
        f"Newsroom benchmark — {kind} — {time.strftime('%Y-%m-%d %H:%M')}",
        "",
        f"{'path':30} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>7}",
    ]
    for name, m, ratio in rows:
        shown = "" if ratio is None else f"{ratio:6.2f}×"
        lines.append(f"{name:30} {m['rps']:9.0f} {m['p50']:8.2f} {m['p99']:8.2f} {shown:>7}")
    lines += ["", "goals:"]
    lines += [f"  {'PASS' if ok else 'FAIL'}  {name}: {figure}" for name, ok, figure in goals]
    return "\n".join(lines)


SCALE_ARTICLES = int(os.environ.get("BENCH_SCALE_ARTICLES", "100000"))
# The demo's lists hold a few cards each, its search reads 34 stories and its sitemap file
# 34 addresses, where a large archive's hold 20 cards, a whole SEARCH_WINDOW and 1,000,
# and its lists go LISTING_MAX_PAGES deep. So the large archive is held to a site just
# large enough that every page measured is full (its sections, the largest with 17.5 % of
# the stories, 50 pages deep); the demo is shown beside them.
FULL_ARTICLES = int(os.environ.get("BENCH_FULL_ARTICLES", "6000"))
SCALE_REPEAT = int(os.environ.get("BENCH_REPEAT", "15"))
SCALE_RATIO, SCALE_MS = 1.5, 50


class ScaleSite:
    """A site of ``articles`` built by bench/scale.py, then timed page by page on demand."""

    def __init__(self, kind: str, articles: int, workdir: Path):
        # Pages are rendered afresh anyway: a local-memory cache, no shared Redis emptied.
        database = f"{os.environ.get('BENCH_DATABASE', 'newsroom_scale')}_{articles}"
        self.env = setup_env(kind, workdir, database=database, cache="locmemcache://scale")
        self.env["BENCH_ARTICLES"] = str(articles)
        self.env["CACHE_URL"] = "locmemcache://scale"
        self.errors = workdir / f"serve-{articles}.log"
        self.process = None
        done = subprocess.run(
            [PYTHON, "bench/scale.py", "build"], cwd=ROOT, env=self.env, capture_output=True,
            text=True,
        )  # fmt: skip
        if done.returncode:
            raise SystemExit(f"bench/scale.py failed ({kind}, {articles} articles):\n{done.stderr}")
        self.built = json.loads(done.stdout.strip().splitlines()[-1])

    def start(self) -> None:
        with self.errors.open("w") as errors:
            self.process = subprocess.Popen(
                [PYTHON, "bench/scale.py", "serve"], cwd=ROOT, env=self.env, text=True,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,
            )  # fmt: skip
        self.pages = json.loads(self._answer("start"))

    def time(self, page: str) -> float:
        self.process.stdin.write(page + "\n")
        self.process.stdin.flush()
        return float(self._answer(page))

    def _answer(self, asked: str) -> str:
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"bench/scale.py serve stopped ({asked}):\n{self.errors.read_text()}")
        return line

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def time_sites(sites: dict[str, ScaleSite]) -> dict[str, dict[str, float]]:
    """Median uncached time of every page on every site, in ms; the sites take turns at
    each page, so that a change in the machine's load falls on all of them alike."""
    for site in sites.values():
        site.start()
    times = {label: {} for label in sites}
    for page in next(iter(sites.values())).pages:
        samples = {label: [] for label in sites}
        for _ in range(SCALE_REPEAT):
            for label, site in sites.items():
                samples[label].append(site.time(page))
        for label, taken in samples.items():
            times[label][page] = statistics.median(taken)
    return times


def run_scale(kind: str) -> tuple[str, bool]:
    """The scale table of one database: each page on the demo, on a site whose pages are
    all full, and on a large archive."""
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-scale-"))
    sizes = {
        "demo": int(os.environ.get("BENCH_ARTICLES", "34")),
        "full": FULL_ARTICLES,
        "large": SCALE_ARTICLES,
    }
    sites = {}
    try:
        for label, articles in sizes.items():
            sites[label] = ScaleSite(kind, articles, workdir)
        times = time_sites(sites)
    finally:
        for site in sites.values():
            site.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    count = {label: site.built["articles"] for label, site in sites.items()}
    lines = [
        f"Newsroom scale — {kind} — {time.strftime('%Y-%m-%d %H:%M')} — load average "
        + " ".join(f"{n:.2f}" for n in os.getloadavg()),
        f"built {count['large']} articles in {sites['large'].built['build_seconds']:.0f} s; "
        f"sites timed in turn, page by page, median of {SCALE_REPEAT}",
        "",
        f"{'page (uncached, median ms)':28} {count['demo']:>7} {count['full']:>7}"
        f" {count['large']:>8} {'×full':>7} {'×demo':>7}",
    ]
    goals = []
    for page, demo in times["demo"].items():
        full, large = times["full"][page], times["large"][page]
        lines.append(
            f"{page:28} {demo:7.1f} {full:7.1f} {large:8.1f} {large / full:6.2f}×"
            f" {large / demo:6.2f}×"
        )
        ok = large / full <= SCALE_RATIO and large <= SCALE_MS
        goals.append((page, ok, f"{large:.1f} ms, {large / full:.2f}× the full small site"))
    lines += [
        "",
        f"goals: every page within {SCALE_RATIO}× its time on {count['full']} articles "
        f"(every page full), none over {SCALE_MS} ms",
    ]
    lines += [f"  {'PASS' if ok else 'FAIL'}  {name}: {figure}" for name, ok, figure in goals]
    return "\n".join(lines), all(ok for _name, ok, _figure in goals)


def main_scale(kinds: list[str]) -> int:
    results = ROOT / "bench-results"
    results.mkdir(exist_ok=True)
    failed = False
    for kind in kinds:
        text, ok = run_scale(kind)
        print(text, "\n", flush=True)
        (results / f"scale-{kind}.txt").write_text(text + "\n")
        failed |= not ok
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--setup", choices=["sqlite", "postgres", "cache-down", "edge"], action="append"
    )
    parser.add_argument(
        "--scale", action="store_true", help="time every page uncached, demo vs a large archive"
    )
    args = parser.parse_args()
    if args.scale:
        return main_scale(
            [kind for kind in args.setup or ["sqlite", "postgres"] if kind != "cache-down"]
        )
    if shutil.which("wrk") is None:
        print("wrk is missing: install it with `apt-get install wrk`.", file=sys.stderr)
        return 2
    failed = False
    results = ROOT / "bench-results"
    results.mkdir(exist_ok=True)
    stored = {}
    for kind in args.setup or ["sqlite", "postgres"]:
        if kind == "cache-down":
            rows, goals = run_cache_down()
        elif kind == "edge":
            from edge import run_edge  # bench/edge.py

            rows, goals = run_edge()
        else:
            rows, goals, stored[kind] = run(kind)
        text = table(kind, rows, goals)
        print(text, "\n", flush=True)
        (results / f"{kind}.txt").write_text(text + "\n")
        failed |= not all(ok for _name, ok, _figure in goals)
    if len(stored) == 2:
        ratio = stored["sqlite"] / stored["postgres"]
        ok = ratio >= 0.5
        text = (
            f"  {'PASS' if ok else 'FAIL'}  5. SQLite stores ≥ 0.5× the comments per second of "
            f"PostgreSQL: {ratio:.2f}× ({stored['sqlite']:.0f}/s vs {stored['postgres']:.0f}/s)"
        )
        print(text)
        (results / "comparison.txt").write_text(text + "\n")
        failed |= not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
