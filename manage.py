#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    # Commands and the task worker have no reader waiting: they wait longer for a lock
    # than a request does (settings, DATABASE_WAIT_SECONDS).
    os.environ.setdefault("DATABASE_WAIT_SECONDS", "20")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
