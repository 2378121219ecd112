"""`make bench-edge`: the cached pages through Varnish (the shipped VCL) in front of the app.

Rows: the cached article, home page and feed through Varnish, from the app's own page
cache, and the article's bytes from WhiteNoise, with ratios to the app's cache. Then a
spike on article + home + section through Varnish during which 1 publish, 1 edit and 20
comment approvals happen (bench/edge_changes.py): the share of requests that reached the
app, stale reads after each purge, errors, and purge latency (commit → purged).
SQLite and Redis (pages must be invalidated across the app's two workers).
"""

import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from run import PYTHON, ROOT, Server, free_port, save_static_baseline, seed_site, setup_env, wrk

VCL = ROOT / "deploy" / "varnish" / "newsroom.vcl"
SPIKE_SECONDS = os.environ.get("BENCH_SPIKE_SECONDS", "60")
SPIKE_SCRIPT = """
local paths = {PATHS}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
"""


class Varnish:
    """varnishd with the shipped VCL pointed at the app server; stopped by its own PID."""

    def __init__(self, workdir: Path, app_port: int, port: int):
        vcl = workdir / "newsroom.vcl"
        vcl.write_text(VCL.read_text().replace('.port = "8000";', f'.port = "{app_port}";'))
        self.name = str(workdir / "varnish")
        self.port = port
        self.url = f"http://127.0.0.1:{self.port}"
        command = ["/usr/sbin/varnishd", "-F", "-n", self.name, "-a", f"127.0.0.1:{self.port}",
                   "-f", str(vcl), "-s", "malloc,256m", "-T", "none", "-j", "none"]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        for _ in range(100):
            try:
                urllib.request.urlopen(self.url + "/healthz/", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit("varnishd did not start")

    def counters(self) -> dict:
        out = subprocess.run(
            ["varnishstat", "-n", self.name, "-1", "-f", "MAIN.client_req", "-f",
             "MAIN.backend_req"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        return {name: int(value) for name, value in re.findall(r"MAIN\.(\w+)\s+(\d+)", out)}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def environment(workdir: Path) -> dict:
    env = setup_env("sqlite", workdir)
    env["CACHE_URL"] = "redis://127.0.0.1:6379/8"
    env["CACHE_KEY_PREFIX"] = "bench-edge"
    # The load generator and Varnish share the cores: a Redis answer may be slow without
    # Redis being down (the default second would open the circuit breaker).
    env["CACHE_TIMEOUT"], env["CACHE_CONNECT_TIMEOUT"] = "5", "2"
    subprocess.run(["redis-cli", "-n", "8", "FLUSHDB"], check=True, capture_output=True)
    return env


def ratios(varnish: Varnish, server: Server, site: dict) -> tuple[list[tuple], list[tuple]]:
    rows, goals = [], []
    static = wrk(server.url + "/static/bench/article.html")
    rows.append(("static article (WhiteNoise)", static, None))
    for name, path in [("article", site["article"]["0"]), ("home", "/"), ("feed", site["feed"])]:
        for base in (varnish.url, server.url):
            urllib.request.urlopen(base + path).read()  # warm both caches
        edge, app = wrk(varnish.url + path), wrk(server.url + path)
        ratio = edge["rps"] / app["rps"]
        rows.append((f"{name}, app's page cache", app, 1.0))
        rows.append((f"{name}, through Varnish", edge, ratio))
        rows.append((f"{name}: Varnish ÷ WhiteNoise", edge, edge["rps"] / static["rps"]))
        goals.append((f"7. {name} through Varnish ≥ 4× the app's cache", ratio >= 4,
                      f"{ratio:.1f}×"))  # fmt: skip
    return rows, goals


def spike(varnish: Varnish, env: dict, site: dict, workdir: Path) -> tuple[list, list]:
    article_id = str(site["article_id"])
    paths = [site["article"]["0"], "/", site["section"]]
    changes = [PYTHON, "bench/edge_changes.py", varnish.url, article_id, site["section"]]
    driver_env = {**env, "EDGE_CACHE": f"varnish://127.0.0.1:{varnish.port}"}
    subprocess.run([*changes, "0", "prepare"], cwd=ROOT, env=driver_env, check=True)
    script = workdir / "spike.lua"
    script.write_text(SPIKE_SCRIPT.replace("PATHS", ",".join(f'"{p}"' for p in paths)))
    for path in paths:
        urllib.request.urlopen(varnish.url + path).read()
    before = varnish.counters()
    command = ["wrk", "-t2", "-c32", f"-d{SPIKE_SECONDS}s", "--latency", "-s", str(script)]
    load = subprocess.Popen(
        [*command, varnish.url + "/"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    spread = float(SPIKE_SECONDS) / 25
    made = subprocess.run(
        [*changes, str(spread)], cwd=ROOT, env=driver_env, check=True, capture_output=True,
        text=True,
    )  # fmt: skip
    output = load.communicate()[0]
    after = varnish.counters()
    found = json.loads(made.stdout.strip().splitlines()[-1])
    requests = after["client_req"] - before["client_req"]
    fetched = after["backend_req"] - before["backend_req"]
    origin = fetched / max(requests, 1)
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    errors += int((re.search(r"Non-2xx or 3xx responses: (\d+)", output) or [0, 0])[1])
    if "Requests/sec" not in output:
        raise SystemExit(f"wrk failed: {output}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    latencies = sorted(found["latencies"])
    figures = (
        f"{rps:.0f} req/s for {SPIKE_SECONDS} s; purge latency "
        f"median {statistics.median(latencies) * 1000:.0f} ms, worst {latencies[-1] * 1000:.0f} ms"
    )
    goals = [
        ("8. spike: the app serves ≤ 1 % of requests", origin <= 0.01,
         f"{origin:.3%} ({fetched} of {requests}); {figures}"),
        ("8. spike: 0 stale reads after each purge", not found["stale"],
         f"{len(found['stale'])} of {found['reads']}; " + "; ".join(found["stale"][:5])),
        ("8. spike: 0 errors", errors == 0, f"{errors}"),
    ]  # fmt: skip
    return [], goals


def run_edge() -> tuple[list[tuple], list[tuple]]:
    if not Path("/usr/sbin/varnishd").exists():
        raise SystemExit("varnishd is missing: apt-get install -y varnish varnish-modules")
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-bench-"))
    server = varnish = None
    try:
        env = environment(workdir)
        site = seed_site(env)
        save_static_baseline(env, site, workdir)
        port = free_port()
        server = Server({**env, "EDGE_CACHE": f"varnish://127.0.0.1:{port}"})
        varnish = Varnish(workdir, server.port, port)
        rows, goals = ratios(varnish, server, site)
        more_rows, more_goals = spike(varnish, env, site, workdir)
        load = os.getloadavg()
        goals.append(("load average during the run (1, 5, 15 min)", True,
                      ", ".join(f"{n:.2f}" for n in load)))  # fmt: skip
        return rows + more_rows, goals + more_goals
    finally:
        for process in (server, varnish):
            if process is not None:
                process.stop()
        shutil.rmtree(workdir, ignore_errors=True)
