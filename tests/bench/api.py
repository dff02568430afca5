"""api.py - make bench: the obligations list against a static file server.

api_ratio: requests per second of GET /api/v1/obligations?limit=100 (100
rows, a national analyst, on the reports bench's ten years of data) over
those of nginx serving the very same bytes as a static file, both measured
with the same wrk (threads, connections, duration) in the same run.  nginx
runs with one worker, as nadzord answers on one event loop, in the
foreground from a configuration made here, on a free loopback port.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from harness import Daemon, free_port  # noqa: E402
from goal import figure, info  # noqa: E402
from bench import thread_cpu  # noqa: E402
from reports import ANALYST, bench_file  # noqa: E402

PATH = "/api/v1/obligations?limit=100"
ROWS = 100
WRK = ["wrk", "-t1", "-c16", "-d8s"]

NGINX_CONF = """worker_processes 1;
daemon off;
pid %(tmp)s/nginx.pid;
error_log %(tmp)s/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path %(tmp)s/body;
    proxy_temp_path %(tmp)s/proxy;
    fastcgi_temp_path %(tmp)s/fastcgi;
    uwsgi_temp_path %(tmp)s/uwsgi;
    scgi_temp_path %(tmp)s/scgi;
    server {
        listen 127.0.0.1:%(port)d;
        location = /api/v1/obligations {
            alias %(tmp)s/obligations.json;
            default_type application/json;
        }
    }
}
"""


def nginx(tmp, body):
    """nginx in the foreground serving body; (process, url)."""
    port = free_port()
    os.chmod(tmp, 0o755)                    # the worker is not root
    with open(os.path.join(tmp, "obligations.json"), "wb") as f:
        f.write(body)
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF % {"tmp": tmp, "port": port})
    p = subprocess.Popen(["nginx", "-p", tmp, "-c", conf, "-e", os.path.join(tmp, "error.log")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = "http://127.0.0.1:%d" % port
    for _ in range(100):
        try:
            if fetch(port) == body:
                return p, url
        except OSError:
            pass
        time.sleep(0.05)
    p.kill()
    raise SystemExit("nginx did not serve the file")


def fetch(port, tok=None):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        c.request("GET", PATH, headers={"Authorization": "Bearer " + tok} if tok else {})
        r = c.getresponse()
        return r.read() if r.status == 200 else None
    finally:
        c.close()


def wrk(url, tok):
    """Requests per second; raises on any non-2xx answer."""
    out = subprocess.run(WRK + ["-H", "Authorization: Bearer " + tok, url + PATH],
                         capture_output=True, text=True, check=True).stdout
    if re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        raise SystemExit("wrk: non-2xx answers:\n" + out)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main():
    path, _ = bench_file()
    tmp = tempfile.mkdtemp(prefix="nadzor-api-")
    d = Daemon(db=path)
    ng = None
    try:
        tok = d.nadzor("user", "rotate-token", ANALYST, db=True).stdout.decode().strip()
        d.start(wait=False)
        d.wait_ready(timeout=600)
        t0 = time.perf_counter()
        body = fetch(d.port, tok)
        first = time.perf_counter() - t0
        if body is None or len(json.loads(body)) != ROWS:
            raise SystemExit("obligations: no list of %d rows" % ROWS)
        ng, ngurl = nginx(tmp, body)
        th0 = thread_cpu(d.proc.pid)
        api = wrk(d.url, tok)
        th1 = thread_cpu(d.proc.pid)
        static = wrk(ngurl, tok)
    finally:
        if ng is not None:
            ng.terminate()
            ng.wait()
        d.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
    # Per request, from a run of about api * seconds requests.
    n = max(api * int(WRK[-1][2:-1]), 1)
    split = ", ".join("%s %.0f us" % (k, (th1[k] - th0.get(k, 0)) / n * 1e6)
                      for k in sorted(th1) if th1[k] - th0.get(k, 0) > 0)
    print("# api: %s %s, %d bytes (%d rows); first answer %.3f s" % (
        " ".join(WRK), PATH, len(body), ROWS, first))
    print("# api: nadzord %.0f requests/s, nginx (one worker, same bytes) %.0f requests/s"
          % (api, static))
    print("# api: nadzord CPU per request by thread: %s" % split)
    figure("api_ratio", api / static, ">=0.5")
    info("api_rps", api, "nadzord requests/s", "%.0f")


if __name__ == "__main__":
    main()
