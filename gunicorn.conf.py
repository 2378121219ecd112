"""gunicorn's settings for Newsroom, read from the project folder: `gunicorn newsroom.wsgi`.

Threaded workers, so a burst of comment posts (each waiting a moment on the database)
queues inside the worker instead of behind whole processes. `WEB_CONCURRENCY` sets the
number of workers and `GUNICORN_THREADS` each one's threads; any other setting can be
given on the command line or in `GUNICORN_CMD_ARGS`.
"""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))
