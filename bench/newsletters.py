"""Send one edition to BENCH_SUBSCRIBERS readers (100,000) through the production worker.

A throwaway SQLite database gets the subscribers, one newsletter and an edition; an
aiosmtpd sink on 127.0.0.1 counts every message by recipient; ``manage.py db_worker``
(the worker the README runs, with the database task backend) sends. Two runs:

1. *straight*: mails per second (first to last message at the sink) and the worker's peak
   memory (its VmHWM);
2. *killed*: the worker is killed with SIGKILL once half the mail has arrived, then started
   again; the sink counts duplicates and addresses missed.

Goals: >= 300 mails/s, <= 200 MB, 0 missed, 0 duplicates (see ``sending``: a message the
provider accepted as the worker died is the one that could be sent twice). Every wait is
bounded; the script exits non-zero on a miss.

    python bench/newsletters.py            # BENCH_SUBSCRIBERS=2000 for a quick look
"""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUBSCRIBERS = int(os.environ.get("BENCH_SUBSCRIBERS", "100000"))
LEASE_SECONDS = 10  # how soon the killed worker's claimed batch is taken up again
TIMEOUT = 60 + SUBSCRIBERS / 50  # seconds a run may take before it is called a failure
GOAL_RATE, GOAL_MB = 300, 200


class Sink:
    """An SMTP server that only counts: messages per recipient, first and last time."""

    def __init__(self):
        self.received: Counter = Counter()
        self.first = self.last = 0.0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's name for it
        now = time.monotonic()
        with self.lock:
            self.received.update(envelope.rcpt_tos)
            self.first = self.first or now
            self.last = now
        return "250 Message accepted for delivery"

    def total(self) -> int:
        with self.lock:
            return sum(self.received.values())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(database: Path, smtp_port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DEBUG": "",
        "SECRET_KEY": "bench-only-" + "x" * 50,
        "DATABASE_URL": f"sqlite:///{database}",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "EMAIL_PROVIDER": "",
        "SITE_URL": "https://news.example.org",
        "NEWSLETTERS_SEND_LEASE_SECONDS": str(LEASE_SECONDS),
        "LOG_LEVEL": "WARNING",
    }


def manage(env, *args) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


SEED = """
from datetime import timedelta
from django.utils import timezone
from articles.models import Article, Section
from comments.models import Reader
from newsroom.newsletters import editions
from newsroom.newsletters.models import Newsletter, NewsletterSubscription

n, tag = {n}, "{tag}"
now = timezone.now()
section, _ = Section.objects.get_or_create(slug="world", defaults={{"name": "World"}})
for i in range(5):
    Article.objects.create(headline=f"Bench story {{tag}} {{i}}", slug=f"bench-{{tag}}-{{i}}",
        standfirst="A standfirst of ordinary length for a newsletter item.",
        section=section, status="published", publish_at=now - timedelta(minutes=i + 1))
newsletter = Newsletter.objects.create(name=f"Bench {{tag}}", slug=f"bench-{{tag}}",
    description="Bench")
for start in range(0, n, 5000):
    readers = Reader.objects.bulk_create(
        Reader(mailbox=f"r{{i}}-{{tag}}@example.org", email=f"r{{i}}-{{tag}}@example.org",
               confirmed_at=now) for i in range(start, min(n, start + 5000)))
    NewsletterSubscription.objects.bulk_create(
        NewsletterSubscription(newsletter=newsletter, reader=r, confirmed_at=now)
        for r in readers)
edition = editions.draft(newsletter, until=now)
print(edition.pk)
"""

START = """
from newsroom.newsletters import tasks
from newsroom.newsletters.models import Edition
assert tasks.send_edition(Edition.objects.get(pk={pk}))
"""


def django_shell(env, code: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return done.stdout.strip()


def edition_status(database: Path, pk: int) -> str:
    import sqlite3

    with sqlite3.connect(database, timeout=30) as db:
        return db.execute("SELECT status FROM newsletters_edition WHERE id = ?", [pk]).fetchone()[0]


def start_worker(env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
    )  # fmt: skip


def peak_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def stop(worker: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if worker.poll() is None:
        worker.send_signal(sig)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def one_run(env, database: Path, sink: Sink, *, kill_at: float | None) -> dict:
    tag = "killed" if kill_at else "straight"
    pk = int(django_shell(env, SEED.format(n=SUBSCRIBERS, tag=tag)).splitlines()[-1])
    before = sink.total()
    sink.first = sink.last = 0.0
    django_shell(env, START.format(pk=pk))
    worker, peak, kills = start_worker(env), 0.0, 0
    deadline = time.monotonic() + TIMEOUT
    try:
        while time.monotonic() < deadline and edition_status(database, pk) != "sent":
            peak = max(peak, peak_mb(worker.pid))
            if kill_at and not kills and sink.total() - before >= SUBSCRIBERS * kill_at:
                stop(worker, signal.SIGKILL)
                kills += 1
                worker = start_worker(env)
            time.sleep(0.1)
        peak = max(peak, peak_mb(worker.pid))
    finally:
        stop(worker)
    wanted = {f"r{i}-{tag}@example.org" for i in range(SUBSCRIBERS)}
    got = {address: count for address, count in sink.received.items() if address in wanted}
    seconds = max(sink.last - sink.first, 1e-9)
    return {
        "run": tag,
        "subscribers": SUBSCRIBERS,
        "edition sent": edition_status(database, pk) == "sent",
        "mails": sum(got.values()),
        "mails/s": round(sum(got.values()) / seconds, 1),
        "worker peak MB": round(peak, 1),
        "killed": kills,
        "duplicates": sum(count - 1 for count in got.values()),
        "missed": len(wanted - set(got)),
    }


def passed(result: dict) -> bool:
    fine = result["edition sent"] and result["missed"] == 0 and result["duplicates"] == 0
    if result["run"] == "straight":
        fine = fine and result["mails/s"] >= GOAL_RATE and result["worker peak MB"] <= GOAL_MB
    return fine


def main() -> int:
    from aiosmtpd.controller import Controller

    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    results = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-newsletters-") as folder:
            database = Path(folder) / "bench.sqlite3"
            env = environment(database, port)
            manage(env, "migrate", "--noinput", "-v", "0")
            for kill_at in (None, 0.5):
                results.append(one_run(env, database, sink, kill_at=kill_at))
                print(json.dumps(results[-1]), flush=True)
    finally:
        controller.stop()
    ok = all(passed(result) for result in results)
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "newsletters.json").write_text(json.dumps(results, indent=2) + "\n")
    print("PASS" if ok else "FAIL", f"(goals: >= {GOAL_RATE} mails/s, <= {GOAL_MB} MB, 0 missed, "
          "0 duplicates)")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    sys.exit(main())
