"""PostgreSQL: pg_dump of one snapshot, pg_restore in one transaction; the password never
on a command line."""

import os
import shutil
import subprocess
from pathlib import Path

from .errors import BackupError

MAGIC = b"PGDMP"  # the first bytes of pg_dump's custom format


def environment(settings_dict: dict) -> dict[str, str]:
    """libpq's environment for a Django PostgreSQL database (the password never in argv)."""
    options = settings_dict.get("OPTIONS", {})
    values = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
        "PGSERVICE": options.get("service"),
        "PGPASSFILE": options.get("passfile"),
        "PGSSLMODE": options.get("sslmode"),
        "PGSSLROOTCERT": options.get("sslrootcert"),
        "PGSSLCERT": options.get("sslcert"),
        "PGSSLKEY": options.get("sslkey"),
        "PGCONNECT_TIMEOUT": options.get("connect_timeout"),
    }
    return {**os.environ, **{key: str(value) for key, value in values.items() if value}}


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} was not found on PATH. Install PostgreSQL's client tools, the same "
            f"major version as the server or newer (Debian: apt-get install postgresql-client)."
        )
    return found


def _run(args: list[str], env: dict[str, str], failure: str) -> subprocess.CompletedProcess:
    # Fixed arguments, no shell; the password travels in the environment.
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        detail = result.stderr.strip() or f"exit status {result.returncode}"
        raise BackupError(f"{failure}: {detail}")
    return result


def backup(settings_dict: dict, target: Path) -> None:
    """Dump the database of ``settings_dict`` into ``target`` (pg_dump's custom format)."""
    # pg_dump reads every table in one repeatable-read snapshot and takes only locks that
    # writers don't wait for, so the site keeps running while it works.
    args = [_tool("pg_dump"), "--format=custom", "--no-password", f"--file={target}"]
    _run(args, environment(settings_dict), "pg_dump failed")


def check(path: Path, settings_dict: dict) -> None:
    """Refuse a file that pg_restore cannot read."""
    _run(
        [_tool("pg_restore"), "--list", str(path)],
        environment(settings_dict),
        f"{path} is not a readable pg_dump archive",
    )


def restore(settings_dict: dict, path: Path) -> None:
    """Replace the database of ``settings_dict`` with the dump at ``path``."""
    # One transaction: a restore that fails half-way leaves the database as it was.
    args = [
        _tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
        "--no-password",
        f"--dbname={settings_dict['NAME']}",
        str(path),
    ]
    _run(args, environment(settings_dict), "pg_restore failed; the database is unchanged")
