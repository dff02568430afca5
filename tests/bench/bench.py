"""bench.py - make bench: durable ingest against its baseline, in one run.

ingest_ratio: records/s stored over HTTP by nadzord (wrk, 64 connections)
divided by one-row-per-transaction inserts of the same bytes into SQLite with
WAL and synchronous=FULL (build/tests/bench-baseline), both on this machine,
one after the other.  ingest_p99_ms: the 99th percentile answer time of
POST /api/v1/records at a steady 100 records/s on one keep-alive connection.
"""
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from harness import Daemon  # noqa: E402
from goal import figure, info  # noqa: E402

BUILD = os.path.join(ROOT, os.environ.get("NADZOR_BUILD", "build"))
RECORD = os.path.join(ROOT, "tests", "data", "incident.xml")
BASELINE_ROWS = 3000
WRK_SECONDS = 8
WRK_CONNS = 32
BATCH = 20
STEADY_RATE = 100
STEADY_SECONDS = 10


def template(tmp):
    """The sample incident with its ref replaced by a placeholder."""
    with open(RECORD, "rb") as f:
        body = f.read()
    body = body.replace(b"<ref>ALM-2025-0142</ref>", b"<ref>@REF@</ref>")
    # Times of today, as in normal operation: the record's duties are open,
    # not overdue on arrival (which would add a burst of alerts per record).
    now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 60))
    body = re.sub(rb"<occurred>[^<]*</occurred>", b"<occurred>" + now.encode() + b"</occurred>", body)
    body = re.sub(rb"<received>[^<]*</received>", b"<received>" + now.encode() + b"</received>", body)
    path = os.path.join(tmp, "record.tmpl")
    with open(path, "wb") as f:
        f.write(body)
    return path, body


def baseline(tmp, tmpl):
    db = os.path.join(tmp, "baseline.db")
    out = subprocess.run([os.path.join(BUILD, "tests", "bench-baseline"), db, tmpl,
                          str(BASELINE_ROWS)], capture_output=True, check=True)
    return float(out.stdout)


def cpu_seconds(pid):
    """User plus system CPU time a process has used."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def thread_cpu(pid):
    """CPU seconds per thread name (the loop is named after the program)."""
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                name = f.read().strip()
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[name] = out.get(name, 0) + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def wrk_ingest(d, tok, tmpl, batch=1):
    env = dict(os.environ, BENCH_RECORD=tmpl, BENCH_TOKEN=tok, BENCH_BATCH=str(batch))
    before = d.sql("SELECT count(*) FROM record")[0][0]
    cpu0 = cpu_seconds(d.proc.pid)
    th0 = thread_cpu(d.proc.pid)
    t0 = time.time()
    out = subprocess.run(["wrk", "-t1", "-c%d" % WRK_CONNS, "-d%ds" % WRK_SECONDS, "-s",
                          os.path.join(HERE, "post.lua"), d.url + "/"],
                         capture_output=True, env=env, text=True, check=True).stdout
    elapsed = time.time() - t0
    cpu = cpu_seconds(d.proc.pid) - cpu0
    th1 = thread_cpu(d.proc.pid)
    stored = d.sql("SELECT count(*) FROM record")[0][0] - before
    split = ", ".join("%s %.0f us" % (k, (th1[k] - th0.get(k, 0)) / max(stored, 1) * 1e6)
                      for k in sorted(th1))
    print("# per stored record, by thread (batch %d): %s" % (batch, split))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(m.group(1)) if m else 0
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return rps, stored, errors, elapsed, cpu


def steady(d, tok, body):
    """One request every 1/STEADY_RATE s; the answer times in ms."""
    c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10)
    hdr = {"Content-Type": "application/xml", "Authorization": "Bearer " + tok}
    lat = []
    n = STEADY_RATE * STEADY_SECONDS
    start = time.perf_counter()
    for i in range(n):
        due = start + i / STEADY_RATE
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        b = body.replace(b"@REF@", b"STEADY-%d" % i)
        t0 = time.perf_counter()
        c.request("POST", "/api/v1/records", body=b, headers=hdr)
        r = c.getresponse()
        r.read()
        lat.append((time.perf_counter() - t0) * 1000)
        if r.status != 201:
            raise SystemExit("steady: answer %d" % r.status)
    c.close()
    lat.sort()
    return lat[int(len(lat) * 0.99) - 1], lat[len(lat) // 2]


def main():
    tmp = tempfile.mkdtemp(prefix="nadzor-bench-")
    tmpl, body = template(tmp)
    base = baseline(tmp, tmpl)
    d = Daemon().start()
    try:
        tok = d.user("bench", "region", "KZ-75")
        rps, stored, errors, elapsed, cpu = wrk_ingest(d, tok, tmpl)
        health = json.loads(d.request("GET", "/healthz")[2])
        p99, p50 = steady(d, tok, body)
        brps, bstored, berrors, belapsed, bcpu = wrk_ingest(d, tok, tmpl, BATCH)
    finally:
        d.cleanup()
    durable = stored / elapsed
    print("# baseline: %d one-row transactions (WAL, synchronous=FULL): %.0f rows/s"
          % (BASELINE_ROWS, base))
    print("# nadzord: wrk -t1 -c%d -d%ds, one record per request: %.0f answers/s, "
          "%d records stored (%.0f/s), %d non-2xx; %d commits for %d jobs"
          % (WRK_CONNS, WRK_SECONDS, rps, stored, durable, errors, health["commits"],
             health["jobs"]))
    print("# nadzord: the same with <batch> of %d: %d records stored (%.0f/s), %d non-2xx"
          % (BATCH, bstored, bstored / belapsed, berrors))
    print("# daemon CPU per stored record: %.0f us single, %.0f us in batches "
          "(%d cores here)" % (cpu / max(stored, 1) * 1e6, bcpu / max(bstored, 1) * 1e6,
                               os.cpu_count()))
    print("# steady %d records/s for %ds: p50 %.2f ms" % (STEADY_RATE, STEADY_SECONDS, p50))
    figure("ingest_ratio", durable / base, ">=5")
    figure("ingest_p99_ms", p99, "<10")
    info("ingest_batch%d_ratio" % BATCH, bstored / belapsed / base, "batches of %d" % BATCH)


if __name__ == "__main__":
    main()
