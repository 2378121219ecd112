"""Backups: a consistent copy taken while writers run, and a restore that brings it back."""

import errno
import io
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command, execute_from_command_line
from django.db import connection, connections, transaction
from django.db.utils import load_backend

from articles.models import Article, TextBlock
from comments.models import Comment
from newsroom.backups import database, files, media, postgres, sqlite
from newsroom.backups.errors import BackupError

WRITERS = 4
WARM_UP = 15  # commits each writer makes before the backup starts
MAX_COMMITS = 2000  # writers stop by themselves at this many, whatever happens
NEW_ARTICLE_EVERY = 5

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pg_dump is PostgreSQL's tool"
)


@pytest.fixture(autouse=True)
def _backup_dir(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "backups"


def run(command: str, *args) -> str:
    out = io.StringIO()
    call_command(command, *map(str, args), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def table(model, alias: str = "default") -> dict[int, dict]:
    """Every row of ``model``, every column, by primary key."""
    return {row["id"]: row for row in model.objects.using(alias).values()}


@pytest.fixture
def fresh_database(transactional_db, tmp_path):
    """An empty database of the same engine as the test one, under the alias "restored".

    On PostgreSQL it is a scratch database of its own, so a restore never runs over the
    database the writers used and both can be read side by side.
    """
    source = connections["default"].settings_dict
    if connection.vendor == "sqlite":
        restored = {**source, "NAME": str(tmp_path / "restored.sqlite3")}
    else:
        name = f"{source['NAME']}_restored_{os.getpid()}"[:63]
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        restored = {**source, "NAME": name}
    # Made here rather than in DATABASES, which the test runner would create and flush.
    connections["restored"] = load_backend(restored["ENGINE"]).DatabaseWrapper(restored, "restored")
    try:
        yield "restored"
    finally:
        connections["restored"].close()
        del connections["restored"]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{restored["NAME"]}" WITH (FORCE)')


class Writer(threading.Thread):
    """Commits, over its own connection, one transaction after another: each inserts the
    comment numbered ``seq`` (and every fifth an article) and sets the writer's counter
    row, its own article's standfirst, to ``seq``. So any consistent snapshot holds, for
    each writer, exactly the rows 1..counter."""

    def __init__(self, number: int, article: Article, stop: threading.Event):
        super().__init__(daemon=True)
        self.number, self.article, self.stop = number, article, stop
        self.started_seq = 0  # set before a transaction begins: an upper bound
        self.done_seq = 0  # set after it committed: a lower bound
        self.error: BaseException | None = None

    def run(self):
        try:
            for seq in range(1, MAX_COMMITS + 1):
                if self.stop.is_set():
                    break
                self.started_seq = seq
                with transaction.atomic():
                    Comment.objects.create(
                        article=self.article,
                        name=f"Writer {self.number}",
                        email=f"writer{self.number}@example.org",
                        body=f"writer {self.number} row {seq}",
                        body_html=f"<p>writer {self.number} row {seq}</p>",
                        status=Comment.Status.APPROVED,
                    )
                    if seq % NEW_ARTICLE_EVERY == 0:
                        story = Article.objects.create(
                            headline=f"Writer {self.number} story {seq}",
                            slug=f"w{self.number}-{seq}",
                            section=self.article.section,
                        )
                        TextBlock.objects.create(
                            article=story, text=f"<p>Story {seq} of writer {self.number}.</p>"
                        )
                    Article.objects.filter(pk=self.article.pk).update(standfirst=str(seq))
                self.done_seq = seq
        except BaseException as error:  # reported by the test, with its traceback
            self.error = error
        finally:
            connections.close_all()


def wait_for(condition, writers, seconds=60.0):
    deadline = time.monotonic() + seconds
    while not condition():
        errors = [w.error for w in writers if w.error]
        assert not errors, errors
        assert time.monotonic() < deadline, "the writers made no progress"
        time.sleep(0.005)


@pytest.mark.django_db(transaction=True)
def test_a_backup_taken_under_load_restores_a_consistent_snapshot(
    make_article, fresh_database, tmp_path
):
    articles = [make_article(f"Counter of writer {n}", standfirst="0") for n in range(WRITERS)]
    stop = threading.Event()
    writers = [Writer(n, article, stop) for n, article in enumerate(articles)]
    for writer in writers:
        writer.start()
    try:
        wait_for(lambda: all(w.done_seq >= WARM_UP for w in writers), writers)
        committed_before = [w.done_seq for w in writers]
        path = tmp_path / "under-load.backup"
        output = run("backup", path)
        begun_by_end = [w.started_seq for w in writers]
        # The writers go on after the copy too: it was taken in the middle of their work.
        wait_for(
            lambda: all(w.done_seq > b + 2 for w, b in zip(writers, begun_by_end, strict=True)),
            writers,
        )
    finally:
        stop.set()
        for writer in writers:
            writer.join(timeout=60)
    assert not [w.error for w in writers if w.error]
    assert not any(w.is_alive() for w in writers)
    assert output.startswith(f"Wrote {path} (")

    run("restore", path, "--noinput", "--database", fresh_database)

    source = {model: table(model) for model in (Comment, Article)}
    restored = {model: table(model, fresh_database) for model in (Comment, Article)}
    counters = {}
    for writer in writers:
        article = writer.article
        counter = counters[writer.number] = int(restored[Article][article.pk]["standfirst"])
        # Everything committed before the backup began is in it; nothing begun after it ended.
        assert committed_before[writer.number] <= counter <= begun_by_end[writer.number]
        rows = [
            int(row["body"].rsplit(" ", 1)[1])
            for row in restored[Comment].values()
            if row["article_id"] == article.pk
        ]
        assert sorted(rows) == list(range(1, counter + 1))
        stories = [
            int(row["slug"].split("-")[1])
            for row in restored[Article].values()
            if row["slug"].startswith(f"w{writer.number}-")
        ]
        assert sorted(stories) == list(range(NEW_ARTICLE_EVERY, counter + 1, NEW_ARTICLE_EVERY))

    # Row by row against the source: every restored row is the source's row, column for
    # column (the counter rows differ only in the counter, which the writers moved on);
    # every source row missing from the restore was written after the snapshot.
    counter_rows = {article.pk for article in articles}
    compared = missing = different = later = 0
    for model in (Comment, Article):
        assert set(restored[model]) <= set(source[model])
        for pk, row in source[model].items():
            if pk not in restored[model]:
                if written_after(row, counters):
                    later += 1
                else:
                    missing += 1
                continue
            compared += 1
            copy = restored[model][pk]
            if model is Article and pk in counter_rows:
                # The counter, and on PostgreSQL the search document made from it.
                moving = {"standfirst": None, "search_document": None}
                row, copy = dict(row, **moving), dict(copy, **moving)
            different += row != copy
    print(
        f"\nbackup under load ({connection.vendor}): {WRITERS} writers, "
        f"{sum(begun_by_end) - sum(committed_before)} transactions begun while it ran; "
        f"restored: {compared} rows compared, {missing} missing, {different} different, "
        f"{later} written after the snapshot and rightly absent"
    )
    assert compared > WRITERS * WARM_UP
    assert later > 0
    assert (missing, different) == (0, 0)


def written_after(row: dict, counters: dict[int, int]) -> bool:
    """Is this a writer's row numbered past that writer's counter in the snapshot?"""
    if "body" in row and (match := re.fullmatch(r"writer (\d+) row (\d+)", row["body"])):
        return int(match[2]) > counters[int(match[1])]
    if match := re.fullmatch(r"w(\d+)-(\d+)", row.get("slug", "")):
        return int(match[2]) > counters[int(match[1])]
    return False


@pytest.mark.django_db(transaction=True)
def test_restore_asks_first_then_brings_the_live_database_back(make_article, tmp_path, monkeypatch):
    kept = make_article("Kept as it was")
    removed_later = make_article("Deleted after the backup")
    path = tmp_path / "before.backup"
    run("backup", path)
    before = {model: table(model) for model in (Article, Comment)}

    Article.objects.filter(pk=kept.pk).update(headline="Edited after the backup")
    removed_later.delete()
    make_article("Written after the backup")
    changed = {model: table(model) for model in (Article, Comment)}

    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    assert "Restore cancelled." in run("restore", path)
    assert {model: table(model) for model in (Article, Comment)} == changed

    questions = []
    monkeypatch.setattr("builtins.input", lambda prompt: questions.append(prompt) or "yes")
    assert run("restore", path).startswith(f"Restored {database.describe()} from {path}.")
    assert "Type 'yes' to continue" in questions[0]
    assert {model: table(model) for model in (Article, Comment)} == before
    # The restored database takes new writes as usual.
    assert make_article("Written after the restore").pk not in before[Article]


def sqlite_file(path: Path, *statements: str) -> Path:
    db = sqlite3.connect(path)
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()
    return path


def test_restore_refuses_what_is_not_a_backup_of_this_kind_and_changes_nothing(
    make_article, tmp_path
):
    article = make_article("Still here")
    engine = "SQLite" if connection.vendor == "sqlite" else "PostgreSQL"
    newsroom_sqlite = sqlite_file(tmp_path / "site.sqlite3", "CREATE TABLE django_migrations(x)")
    other_sqlite = sqlite_file(tmp_path / "other.sqlite3", "CREATE TABLE notes(x)")
    damaged_sqlite = tmp_path / "damaged.sqlite3"
    damaged_sqlite.write_bytes(newsroom_sqlite.read_bytes()[:100] + b"\xff" * 4000)
    damaged_dump = tmp_path / "damaged.pgdump"
    damaged_dump.write_bytes(b"PGDMP" + b"\x01\x0e\x00" + b"\x00" * 200)
    garbage = tmp_path / "notes.txt"
    garbage.write_text("dear diary\n" * 20)
    empty = tmp_path / "empty.backup"
    empty.touch()
    (tmp_path / "folder").mkdir()
    expected = {
        tmp_path / "missing.sqlite3": "No such file",
        tmp_path / "folder": "is not a file",
        garbage: "is not a Newsroom backup: neither a SQLite database nor a pg_dump archive",
        empty: "is not a Newsroom backup",
    }
    if engine == "SQLite":
        expected |= {
            damaged_dump: "is a PostgreSQL dump (pg_dump -Fc), but database 'default' is SQLite",
            other_sqlite: "is a SQLite database, but not a Newsroom one",
            damaged_sqlite: "not a readable SQLite database",
        }
    else:
        expected |= {
            newsroom_sqlite: "is a SQLite database, but database 'default' is PostgreSQL",
            damaged_sqlite: "is a SQLite database, but database 'default' is PostgreSQL",
            damaged_dump: "is not a readable pg_dump archive: pg_restore: error:",
        }
    messages = {}
    for path in expected:
        with pytest.raises(CommandError) as refused:
            run("restore", path, "--noinput")
        messages[path] = str(refused.value)
    assert {p: m for p, m in messages.items() if expected[p] not in m} == {}
    assert Article.objects.get(pk=article.pk).headline == "Still here"


def test_a_refused_restore_exits_non_zero_with_one_line_on_stderr(tmp_path):
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(os.urandom(256))
    result = subprocess.run(
        [sys.executable, "manage.py", "restore", str(garbage), "--noinput"],
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        f"CommandError: {garbage} is not a Newsroom backup: neither a SQLite database nor "
        "a pg_dump archive.\n",
    )


def test_backup_names_files_by_utc_time_in_backup_dir_and_never_overwrites(
    make_photo, settings, tmp_path
):
    make_photo()
    output = run("backup", "--media")
    written = sorted(Path(settings.BACKUP_DIR).iterdir())
    suffix = files.SUFFIXES[connection.vendor]
    copy, archive = (
        next(p for p in written if p.name.endswith(suffix)),
        next(p for p in written if p.name.endswith(".media.tar.gz")),
    )
    assert re.fullmatch(rf"newsroom-\d{{8}}T\d{{6}}Z{re.escape(suffix)}", copy.name)
    assert archive.name == copy.name.removesuffix(suffix) + ".media.tar.gz"
    assert len(written) == 2
    # They hold e-mail addresses and password hashes: for their owner's eyes only.
    assert [oct(p.stat().st_mode & 0o777) for p in written] == ["0o600", "0o600"]
    assert f"Wrote {copy} (" in output and f"Wrote {archive} (" in output
    with tarfile.open(archive) as tar:
        photos = [name for name in tar.getnames() if name.endswith(".jpg")]
    assert len(photos) == 1

    folder = tmp_path / "elsewhere"
    folder.mkdir()
    run("backup", folder)
    assert [p.suffix for p in folder.iterdir()] == [suffix]

    with pytest.raises(CommandError, match="already exists"):
        run("backup", copy)
    with pytest.raises(CommandError, match="No such folder"):
        run("backup", tmp_path / "nowhere" / "x.backup")
    assert sorted(Path(settings.BACKUP_DIR).iterdir()) == written


def test_a_failed_backup_leaves_no_file_behind(db, tmp_path, monkeypatch):
    def fail(_source, target):
        Path(target).write_bytes(b"half a backup")
        raise BackupError("the disk is full")

    monkeypatch.setattr(sqlite, "backup", fail)
    monkeypatch.setattr(postgres, "backup", fail)
    with pytest.raises(CommandError, match="the disk is full"):
        run("backup", tmp_path / "x.backup")
    assert list(tmp_path.iterdir()) == []


@on_postgresql
def test_backup_says_how_to_install_pg_dump_when_it_is_missing(db, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    with pytest.raises(
        CommandError, match=r"pg_dump was not found.*apt-get install postgresql-client"
    ):
        run("backup", tmp_path / "x.pgdump")
    assert list(tmp_path.iterdir()) == []


@on_postgresql
def test_pg_dump_gets_the_password_from_the_environment_never_the_command_line(
    db, tmp_path, monkeypatch
):
    calls = []

    def fake_run(args, env, **kwargs):
        calls.append((args, env))
        Path(args[-1].removeprefix("--file=")).write_bytes(b"PGDMP")
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setitem(connection.settings_dict, "PASSWORD", "s3cret-Pa55")
    monkeypatch.setattr(postgres.subprocess, "run", fake_run)
    run("backup", tmp_path / "x.pgdump")
    [(args, env)] = calls
    assert env["PGPASSWORD"] == "s3cret-Pa55"
    assert env["PGDATABASE"] == connection.settings_dict["NAME"]
    assert not [a for a in args if "s3cret" in a]
    assert "--format=custom" in args


def test_unknown_database_alias_is_a_clear_error(tmp_path):
    for command in ("backup", "restore"):
        with pytest.raises(CommandError, match="No database 'archive' in DATABASES"):
            run(command, tmp_path / "x.backup", "--database", "archive")


def test_a_stepped_sqlite_copy_finishes_and_is_whole_while_a_writer_never_pauses(tmp_path):
    """Without WAL the copy goes in steps, and every commit of another connection restarts
    it: under a writer that never pauses it must still finish, with a whole snapshot."""
    source_path = tmp_path / "journal.sqlite3"
    source = sqlite3.connect(source_path, isolation_level=None)
    assert source.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    source.execute("CREATE TABLE rows(id INTEGER PRIMARY KEY, body TEXT)")
    with source:  # one transaction
        source.execute("BEGIN")
        source.executemany("INSERT INTO rows(body) VALUES (?)", [("x" * 400,)] * 12000)
    pages = source.execute("PRAGMA page_count").fetchone()[0]
    assert pages > 4 * sqlite.STEP_PAGES
    stop, commits = threading.Event(), [0]

    def writer():
        own = sqlite3.connect(source_path, timeout=30, isolation_level=None)
        own.execute("PRAGMA synchronous=OFF")  # commits as fast as they come, no disk waits
        while not stop.is_set() and commits[0] < 100_000:
            own.execute("BEGIN IMMEDIATE")
            own.execute("INSERT INTO rows(body) VALUES ('y')")
            own.execute("COMMIT")
            commits[0] += 1
        own.close()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    try:
        while commits[0] < 10:
            time.sleep(0.001)
        sqlite.stepped_copy(sqlite3.connect(source_path, timeout=30), copy)
    finally:
        stop.set()
        thread.join(timeout=30)
    count, highest = copy.execute("SELECT count(*), max(id) FROM rows").fetchone()
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert 12000 + 10 <= count == highest <= 12000 + commits[0]


# --- Media ------------------------------------------------------------------------------


def tree(root: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) below ``root``, by relative path."""
    return {
        str(p.relative_to(root)): p.read_bytes() if p.is_file() else None
        for p in sorted(root.rglob("*"))
    }


def leftovers(settings) -> list[str]:
    """Hidden folders a media restore left beside MEDIA_ROOT."""
    return [p.name for p in Path(settings.MEDIA_ROOT).parent.iterdir() if p.name.startswith(".")]


def never_asked(prompt):
    raise AssertionError(f"asked before the archive was checked: {prompt}")


@pytest.fixture
def media_backup(make_article, make_photo, settings, tmp_path):
    """A database backup with its media archive; returns (backup, archive, media tree)."""
    photos = [make_photo(renditions=True), make_photo()]
    make_article("With a photo", lead_photo=photos[0])
    path = tmp_path / "site.backup"
    run("backup", path, "--media")
    media_tree = tree(Path(settings.MEDIA_ROOT))
    assert sum(content is not None for content in media_tree.values()) > 2  # photos, renditions
    return path, files.media_path(path), media_tree


@pytest.mark.django_db(transaction=True)
def test_restore_media_brings_back_exactly_the_backed_up_files(
    media_backup, make_photo, settings, monkeypatch
):
    path, archive, before = media_backup
    root = Path(settings.MEDIA_ROOT)
    articles = table(Article)
    names = sorted(name for name, content in before.items() if content is not None)
    (root / names[0]).write_bytes(b"changed after the backup")
    (root / names[1]).unlink()
    make_photo()  # a new upload, and a stray file and folder of nobody's
    (root / "stray" / "deep").mkdir(parents=True)
    (root / "stray" / "deep" / "note.txt").write_text("not in the backup")
    Article.objects.all().delete()
    assert tree(root) != before

    questions = []
    monkeypatch.setattr("builtins.input", lambda prompt: questions.append(prompt) or "yes")
    output = run("restore", path, "--media")
    assert f"and in the media folder {root} " in questions[0]
    assert f"its media archive {archive}" in questions[0]
    assert f"Restored the media in {root} from {archive}." in output
    assert tree(root) == before
    assert table(Article) == articles
    assert leftovers(settings) == []


@pytest.mark.django_db(transaction=True)
def test_restore_media_creates_media_root_when_it_does_not_exist(media_backup, settings, tmp_path):
    path, _archive, before = media_backup
    settings.MEDIA_ROOT = tmp_path / "new-site" / "media"
    run("restore", path, "--media", "--noinput")
    assert tree(Path(settings.MEDIA_ROOT)) == before
    assert leftovers(settings) == []


@pytest.mark.django_db(transaction=True)
def test_answering_no_leaves_database_and_media_as_they_were(
    media_backup, make_article, settings, monkeypatch
):
    path, _archive, _before = media_backup
    root = Path(settings.MEDIA_ROOT)
    make_article("Written after the backup")
    (root / "after.txt").write_text("uploaded after the backup")
    changed = (table(Article), tree(root))

    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    assert "Restore cancelled." in run("restore", path, "--media")
    assert (table(Article), tree(root)) == changed
    assert leftovers(settings) == []


@pytest.mark.django_db(transaction=True)
def test_a_failed_database_restore_leaves_the_media_as_they_were(
    media_backup, settings, monkeypatch
):
    path, _archive, _before = media_backup
    root = Path(settings.MEDIA_ROOT)
    (root / "after.txt").write_text("uploaded after the backup")
    changed = tree(root)

    def fail(*args):
        raise BackupError("the disk is full")

    monkeypatch.setattr(sqlite, "restore", fail)
    monkeypatch.setattr(postgres, "restore", fail)
    with pytest.raises(CommandError, match="the disk is full"):
        run("restore", path, "--media", "--noinput")
    assert tree(root) == changed
    assert leftovers(settings) == []


def restore_from_the_command_line(capsys, *args) -> tuple[int, str, str]:
    """Run ``manage.py restore`` in this process, so monkeypatches hold, to a failure:
    its exit status, stdout and stderr."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit:
        execute_from_command_line(["manage.py", "restore", *map(str, args)])
    out, err = capsys.readouterr()
    return exit.value.code, out, err


@pytest.mark.django_db(transaction=True)
def test_a_failed_media_swap_says_the_database_was_restored_and_how_to_finish(
    media_backup, settings, monkeypatch, capsys
):
    path, archive, before = media_backup
    root = Path(settings.MEDIA_ROOT)
    articles = table(Article)
    Article.objects.all().delete()
    (root / "after.txt").write_text("uploaded after the backup")
    changed = tree(root)

    def fail(staged):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(media, "swap", fail)
    status, out, err = restore_from_the_command_line(capsys, path, "--media", "--noinput")

    assert (status, out) == (1, "")
    assert err.startswith(
        f"CommandError: The database WAS restored from {path}, but the media were NOT "
        f"restored: could not put the unpacked media in place of {root}: [Errno {errno.EXDEV}] "
        "Invalid cross-device link\n"
    )
    assert f"\nThe old media are still in place in {root}, " in err
    assert (
        "\nTo finish, run the restore again (it restores the same database once more): "
        f"python manage.py restore {shlex.quote(str(path))} --media\n"
    ) in err
    assert table(Article) == articles  # the database was restored
    assert tree(root) == changed  # the media were not, and the old ones are untouched
    assert leftovers(settings) == []
    # The tar command it gives finishes the job by hand.
    [advice] = [line for line in err.splitlines() if "by hand: " in line]
    assert advice == (
        f"or empty {root} and unpack the archive into it by hand: "
        f"tar -xzf {shlex.quote(str(archive))} -C {shlex.quote(str(root))}"
    )
    shutil.rmtree(root)
    root.mkdir()
    subprocess.run(shlex.split(advice.split("by hand: ", 1)[1]), check=True, timeout=60)
    assert tree(root) == before


@pytest.mark.django_db(transaction=True)
def test_a_media_swap_that_cannot_put_the_old_media_back_says_where_they_are(
    media_backup, settings, monkeypatch, capsys
):
    path, _archive, _before = media_backup
    root = Path(settings.MEDIA_ROOT)
    (root / "after.txt").write_text("uploaded after the backup")
    changed = tree(root)
    real_rename = os.rename

    def rename(source, destination):
        # MEDIA_ROOT moves aside; neither the restored copy nor the old one can move in.
        if ".restoring-" in Path(source).name or ".old-" in Path(source).name:
            raise OSError(errno.EIO, "Input/output error")
        real_rename(source, destination)

    monkeypatch.setattr(os, "rename", rename)
    status, out, err = restore_from_the_command_line(capsys, path, "--media", "--noinput")
    monkeypatch.undo()

    [aside] = [root.parent / name for name in leftovers(settings)]
    assert (status, out) == (1, "")
    assert err.startswith(f"CommandError: The database WAS restored from {path}, ")
    assert "Input/output error; moving the old media back failed too\n" in err
    assert f"\nThe old media are no longer in {root}: they are in {aside}.\n" in err
    assert f"by hand: mkdir -p {shlex.quote(str(root))} && tar -xzf " in err
    assert ".old-" in aside.name and not root.exists()
    assert tree(aside) == changed


def gzipped_tar(path: Path, *members: tuple[tarfile.TarInfo, bytes | None]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for info, content in members:
            if content is not None:
                info.size = len(content)
            archive.addfile(info, io.BytesIO(content) if content is not None else None)
    return path


def member(name: str, kind=tarfile.REGTYPE, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = kind, linkname, 0o755
    return info


TOP = (member(".", tarfile.DIRTYPE), None)


@pytest.fixture
def site_with_media(make_article, settings, tmp_path, monkeypatch):
    """A database backup without media, a site changed since, and no one to ask."""
    path = tmp_path / "site.backup"
    run("backup", path)
    make_article("Written after the backup")
    root = Path(settings.MEDIA_ROOT)
    (root / "photos").mkdir(parents=True)
    (root / "photos" / "kept.jpg").write_bytes(b"a photo")
    monkeypatch.setattr("builtins.input", never_asked)
    return path


def test_restore_media_refuses_a_missing_or_unreadable_archive_and_changes_nothing(
    site_with_media, settings, tmp_path
):
    path = site_with_media
    archive = files.media_path(path)
    state = (table(Article), tree(Path(settings.MEDIA_ROOT)))

    with pytest.raises(CommandError, match=rf"No such file: {re.escape(str(archive))}"):
        run("restore", path, "--media")

    good = gzipped_tar(tmp_path / "good.tar.gz", TOP, (member("./a.jpg"), b"x" * 5000))
    not_ours = gzipped_tar(tmp_path / "other.tar.gz", (member("project/a.jpg"), b"x"))
    plain_tar = tmp_path / "plain.tar"
    with tarfile.open(plain_tar, "w") as plain:
        plain.addfile(*TOP)
    cases = {
        os.urandom(3000): "is not a readable .tar.gz archive",
        good.read_bytes()[:60]: "is not a readable .tar.gz archive",
        b"": "is not a readable .tar.gz archive",
        plain_tar.read_bytes(): "is not a readable .tar.gz archive",
        not_ours.read_bytes(): "is not a media archive written by `backup --media`",
    }
    for content, message in cases.items():
        archive.write_bytes(content)
        with pytest.raises(CommandError, match=re.escape(message)):
            run("restore", path, "--media")
        assert (table(Article), tree(Path(settings.MEDIA_ROOT))) == state
        assert leftovers(settings) == []


def hostile_archives(outside: Path) -> dict[str, list]:
    photo = (member("./photos/new.jpg"), b"new photo")
    return {
        "absolute path": [TOP, photo, (member(str(outside / "evil.txt")), b"evil")],
        "../ traversal": [TOP, photo, (member("./../evil.txt"), b"evil")],
        "../ deeper": [TOP, (member("./photos/../../evil.txt"), b"evil")],
        "symlink out": [
            TOP,
            (member("./photos/link", tarfile.SYMTYPE, str(outside)), None),
            (member("./photos/link/evil.txt"), b"evil"),
        ],
        "relative symlink out": [
            TOP,
            (member("./link", tarfile.SYMTYPE, f"../{outside.name}"), None),
            (member("./link/evil.txt"), b"evil"),
        ],
        "hard link out": [TOP, (member("./passwd", tarfile.LNKTYPE, "/etc/passwd"), None)],
        "hard link via ..": [TOP, (member("./x", tarfile.LNKTYPE, f"../{outside.name}/x"), None)],
        "device": [TOP, (member("./null", tarfile.CHRTYPE), None)],
        "fifo": [TOP, (member("./pipe", tarfile.FIFOTYPE), None)],
    }


@pytest.mark.parametrize("checked", [True, False], ids=["checked", "only-extraction-filter"])
def test_restore_media_refuses_hostile_archives_and_writes_nothing(
    site_with_media, settings, tmp_path, monkeypatch, checked
):
    path = site_with_media
    archive = files.media_path(path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x").write_text("outside")
    if not checked:
        # Past a check that missed something, extraction must still refuse it.
        monkeypatch.setattr(media, "check", lambda archive: None)
    state = (table(Article), tree(Path(settings.MEDIA_ROOT)))
    around = sorted([archive.name, *(p.name for p in tmp_path.iterdir())])
    refused = {}
    for case, members in hostile_archives(outside).items():
        archive.unlink(missing_ok=True)
        gzipped_tar(archive, *members)
        with pytest.raises(CommandError) as error:
            run("restore", path, "--media", "--noinput")
        refused[case] = str(error.value)
        assert tree(outside) == {"x": b"outside"}, case
        assert (table(Article), tree(Path(settings.MEDIA_ROOT))) == state, case
        assert sorted(p.name for p in tmp_path.iterdir()) == around, case
        assert not (tmp_path.parent / "evil.txt").exists()
    expected = "is refused" if checked else "the media are unchanged"
    assert {case: m for case, m in refused.items() if expected not in m} == {}


def test_restore_media_refuses_media_kept_off_the_local_disk(site_with_media, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    with pytest.raises(CommandError, match="Media are kept in InMemoryStorage, not in a local"):
        run("restore", site_with_media, "--media")


def test_a_missing_media_archive_exits_non_zero_with_one_line_on_stderr(db, tmp_path):
    backup = tmp_path / "site.backup"
    run("backup", backup)
    result = subprocess.run(
        [sys.executable, "manage.py", "restore", str(backup), "--media", "--noinput"],
        cwd=django_settings.BASE_DIR,
        env={**os.environ, "MEDIA_ROOT": str(tmp_path / "media")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    archive = files.media_path(backup)
    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        f"CommandError: No such file: {archive} (`backup --media` writes it beside the backup).\n",
    )
