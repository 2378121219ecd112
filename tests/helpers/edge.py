"""A real varnishd running the shipped VCL, in front of a test app server.

The VCL is used as shipped except for the backend's address (and probe interval kept),
which points at ``Gateway``: a small TCP relay to the live test server that a test can
close, so Varnish sees the app go down without stopping the session's live server.
"""

import contextlib
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.helpers.tools import ROOT, require

VCL = ROOT / "deploy" / "varnish" / "newsroom.vcl"
HOW_TO_INSTALL = "install it: apt-get install -y varnish varnish-modules"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gateway:
    """Relays connections on a port of its own to ``target``; ``close`` refuses new ones."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = True
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self.open:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            self.connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.open = False
        self.listener.close()
        for connection in self.connections:
            with contextlib.suppress(OSError):
                connection.close()


class Varnish:
    """varnishd in the foreground, in a working directory of its own; stopped by PID."""

    def __init__(self, workdir: Path, backend_port: int):
        varnishd = require("/usr/sbin/varnishd", HOW_TO_INSTALL)
        vcl = VCL.read_text()
        assert '.port = "8000";' in vcl, "the shipped VCL's backend port moved"
        (workdir / "newsroom.vcl").write_text(
            vcl.replace('.port = "8000";', f'.port = "{backend_port}";')
        )
        self.workdir = workdir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [varnishd, "-F", "-n", str(workdir / "n"), "-a", f"127.0.0.1:{self.port}",
             "-f", str(workdir / "newsroom.vcl"), "-s", "malloc,64m", "-T", "none", "-j", "none",
             "-p", "timeout_idle=2"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"varnishd did not start:\n{self.process.stdout.read()[-3000:]}")
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.workdir / "n", ignore_errors=True)


def get(base: str, path: str, headers: dict | None = None, source: str | None = None):
    """A GET (or other method via ``headers['method']``): status, headers, text."""
    headers = dict(headers or {})
    method = headers.pop("method", "GET")
    request = urllib.request.Request(base + path, method=method, headers=headers)
    if source:  # from another loopback address, as a machine outside the ACL would
        opener = urllib.request.build_opener(_SourceHandler(source))
        open_ = opener.open
    else:
        open_ = urllib.request.urlopen
    try:
        with open_(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


class _SourceHandler(urllib.request.HTTPHandler):
    def __init__(self, source: str):
        super().__init__()
        self.source = source

    def http_open(self, request):
        import http.client

        source = self.source

        class Connection(http.client.HTTPConnection):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, source_address=(source, 0), **kwargs)

        return self.do_open(Connection, request)
