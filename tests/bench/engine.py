"""engine.py - make bench: the deadline engine with 1,000,000 open obligations.

alert_error_p99_ms: for deadlines falling due during the run, the time each
breach alert was written minus its due time (99th percentile).
restart_s: from starting nadzord on that database to every obligation armed
and the API answering (the heap is filled before the port opens).
bytes_per_obligation: resident memory with the million armed, minus the same
daemon on the same database before the obligations were added, per obligation.
"""
import os
import sqlite3
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from harness import Daemon  # noqa: E402
from goal import figure  # noqa: E402

COUNT = 1000000
HOT = 2000              # due during the run, 200 a second from HOT_AFTER on
HOT_AFTER = 15
REGIONS = ["KZ-%02d" % n for n in (10, 11, 15, 19, 23, 27, 31, 33, 35, 39, 43, 47,
                                   55, 59, 61, 62, 63, 71, 75, 79)]


def rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def fill(db, now):
    """COUNT open call-1h duties; HOT of them fall due soon in KZ-75."""
    con = sqlite3.connect(db)
    con.execute("PRAGMA synchronous=OFF")

    def rows():
        for i in range(COUNT):
            if i < HOT:
                region, due = "KZ-75", now + HOT_AFTER + i // 200
                nxt = now          # missed warnings: the latest fires at once
            else:
                region, due = REGIONS[i % len(REGIONS)], now + 7200 + i % 172800
                nxt = due - 1800
            yield ("bench/%s/%d" % (region, i), region, due - 3600, due, nxt, now)

    con.executemany(
        "INSERT INTO obligation (key, rule, item, ruleset, ruleset_version, action,"
        " region, actor, start_event, starts, due, term, explain, state, next_at, created)"
        " VALUES (?, 'call-1h', '23', 'order-7-2015', '1', 'call-1h', ?, 'region',"
        " 'received', ?, ?, '1 hour', 'bench', 'open', ?, ?)", rows())
    con.commit()
    con.close()


def main():
    d = Daemon()
    try:
        d.start()
        d.user("alm", "region", "KZ-75")
        d.user("zonal", "department", "KZ-75")
        time.sleep(0.5)
        base_rss = rss(d.proc.pid)
        d.stop()
        now = int(time.time()) + 20          # the fill takes a while
        t0 = time.time()
        fill(d.db, now)
        fill_s = time.time() - t0
        t0 = time.time()
        d.start()
        restart = time.time() - t0
        armed_rss = rss(d.proc.pid)
        # Wait for every hot deadline to pass and its breach to be written.
        last_due = now + HOT_AFTER + HOT // 200
        while time.time() < last_due + 3:
            time.sleep(0.5)
        errs = sorted(r[0] for r in d.sql(
            "SELECT a.at - a.due * 1000 FROM alert a WHERE a.kind = 'breach'"))
        late_rss = rss(d.proc.pid)
    finally:
        d.cleanup()
    if len(errs) < HOT:
        raise SystemExit("only %d breach alerts for %d deadlines" % (len(errs), HOT))
    p99 = errs[int(len(errs) * 0.99) - 1]
    print("# engine: %d open obligations written in %.1fs; %d fall due during the run"
          % (COUNT, fill_s, HOT))
    print("# breach alerts: %d, error min %d ms, median %d ms, max %d ms; early: %d"
          % (len(errs), errs[0], errs[len(errs) // 2], errs[-1], sum(1 for e in errs if e < 0)))
    print("# RSS: %.1f MiB empty, %.1f MiB with the million armed, %.1f MiB after the run"
          % (base_rss / 2**20, armed_rss / 2**20, late_rss / 2**20))
    figure("alert_error_p99_ms", p99, "<50", "%d")
    figure("restart_s", restart, "<3")
    figure("bytes_per_obligation", (armed_rss - base_rss) / COUNT, "<300", "%.0f")


if __name__ == "__main__":
    main()
