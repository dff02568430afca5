"""test_faults.py - faults of the machine around nadzord: a full disk, a
report reader that holds its snapshot for a long time during ingest, and
100,000 deadlines falling due in the same second with a kill -9 in the
middle of firing them.  The clock is the daemon's alone (libfaketime), never
the machine's."""
import os
import subprocess
import threading
import time

from harness import SANITIZED, VALGRIND, Daemon, incident
from test_clock import LIB, step
from test_deadlines import ago, iso

# 50,000 district records carry 100,000 one-hour duties (call-1h and
# district-call-1h) that fall due in the same second.  Under the sanitizers,
# which look for memory errors rather than volume, a fifth of that; under
# valgrind (some 30 times slower) a fiftieth.
BURST_RECORDS = 1000 if VALGRIND else 10000 if SANITIZED else 50000
BURST_BATCH = 1000


def faked(d, clock):
    """Start d on the clock of its own that the file clock sets."""
    d.start(env={"LD_PRELOAD": LIB, "FAKETIME_TIMESTAMP_FILE": clock,
                 "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
                 # libfaketime comes before the sanitizer runtime
                 "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") +
                 ":verify_asan_link_order=0"})


def batch(refs, occurred, received):
    """One <batch> of minimal incidents."""
    body = b"".join(incident(r, occurred=occurred, received=received) for r in refs)
    return b'<batch xmlns="urn:nadzor:record:1">' + body + b"</batch>"


def count(d, query):
    return d.sql(query)[0][0]


def wait_count(d, query, want, timeout):
    """Poll query until it gives want; the time it took, or fail."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        n = count(d, query)
        if n == want:
            return time.time() - t0
        assert n < want, "%s: %d, more than the %d expected" % (query, n, want)
        time.sleep(0.2)
    raise AssertionError("%s: %d of %d after %ds" % (query, count(d, query), want, timeout))


def probe_latency(d, tok, oid, stop, worst):
    """Read one obligation again and again; the slowest answer in worst[0]."""
    while not stop.is_set():
        t0 = time.time()
        st, _, _ = d.request("GET", "/api/v1/obligations/%d" % oid, token=tok)
        assert st == 200
        worst[0] = max(worst[0], time.time() - t0)
        time.sleep(0.05)


BREACH_1H = ("SELECT count(*) FROM alert a JOIN obligation o ON o.id = a.obligation "
             "WHERE a.kind = 'breach' AND o.rule IN ('call-1h', 'district-call-1h')")
BREACH_3H = ("SELECT count(*) FROM alert a JOIN obligation o ON o.id = a.obligation "
             "WHERE a.kind = 'breach' AND o.rule = 'report-3h'")


def test_100k_deadlines_in_one_second_and_a_kill9_while_they_fire():
    """100,000 duties due in the same second: none fires early, each fires
    once per recipient, the loop keeps answering; then 50,000 more fall due
    at once and nadzord is killed in the middle: after the restart each has
    fired exactly once."""
    d = Daemon()
    clock = os.path.join(d.dir, "clock")
    step(clock, "+0")
    faked(d, clock)
    try:
        medeu = d.user("medeu", "district", "KZ-75")
        d.user("alm", "region", "KZ-75")
        d.user("zonal", "department", "KZ-75")
        boss = d.user("boss", "head")
        # received 20 minutes ago: the 50 % warning lies 10 minutes ahead,
        # the hour ends in 40 minutes, the 3 hours in 160.
        rcv = ago(minutes=20)
        t0 = time.time()
        for i in range(0, BURST_RECORDS, BURST_BATCH):
            refs = ["BURST-%06d" % k for k in range(i, i + BURST_BATCH)]
            st, b = d.post(batch(refs, iso(ago(minutes=25)), iso(rcv)), medeu)
            assert st == 201, (st, b)
        ingest_s = time.time() - t0
        assert count(d, "SELECT count(*) FROM obligation WHERE rule IN "
                     "('call-1h', 'district-call-1h')") == 2 * BURST_RECORDS
        due = {r for (r,) in d.sql("SELECT DISTINCT due FROM obligation WHERE rule IN "
                                    "('call-1h', 'district-call-1h')")}
        assert len(due) == 1, "the duties do not share one due second: %r" % sorted(due)[:5]
        due = due.pop()
        assert count(d, "SELECT count(*) FROM alert") == 0
        oid = count(d, "SELECT min(id) FROM obligation WHERE rule = 'call-1h'")

        # To 12 minutes before the hour: both warnings lie in the step and
        # collapse into the latest, once per recipient (2 per duty).  Then
        # to 2 seconds before it: the breaches fall due in one second.
        stop, worst = threading.Event(), [0.0]
        prober = threading.Thread(target=probe_latency, args=(d, boss, oid, stop, worst))
        prober.start()
        try:
            step(clock, "+%ds" % int(rcv.timestamp() + 3600 - 12 * 60 - time.time()))
            warn_s = wait_count(d, "SELECT count(*) FROM alert WHERE kind = 'warning'",
                                4 * BURST_RECORDS, 600)
            step(clock, "+%ds" % int(rcv.timestamp() + 3600 - 2 - time.time()))
            fire_s = wait_count(d, BREACH_1H, 4 * BURST_RECORDS, 600)
        finally:
            stop.set()
            prober.join()
        early = count(d, "SELECT count(*) FROM alert WHERE kind = 'breach' AND at < due")
        assert early == 0, "%d breaches before their due time" % early
        print("     %d duties due in one second; ingest %.1fs; %d warnings in %.1fs; as many "
              "breaches in %.1fs (from 2s before their second); slowest read meanwhile %.3fs"
              % (2 * BURST_RECORDS, ingest_s, 4 * BURST_RECORDS, warn_s, fire_s, worst[0]))
        assert worst[0] < (10 if SANITIZED or VALGRIND else 2), "the loop stalled %.1fs" % worst[0]

        # Past the 3 hours: kill -9 once some report-3h breaches are in.
        step(clock, "+%ds" % int(rcv.timestamp() + 3 * 3600 + 2 - time.time()))
        t0 = time.time()
        while count(d, BREACH_3H) == 0 and time.time() - t0 < 120:
            time.sleep(0.05)
        before = count(d, BREACH_3H)
        d.kill9()
        assert 0 < before, "no report-3h breach fired"
        faked(d, clock)
        wait_count(d, BREACH_3H, 2 * BURST_RECORDS, 600)
        print("     killed with %d of %d report-3h breaches fired; all %d after the restart"
              % (before, 2 * BURST_RECORDS, 2 * BURST_RECORDS))
        dup = d.sql("SELECT obligation, kind, recipient, count(*) FROM alert "
                    "GROUP BY obligation, kind, recipient HAVING count(*) > 1 LIMIT 5")
        assert not dup, "alerts fired twice: %r" % dup
        assert d.sql("PRAGMA integrity_check") == [("ok",)]
    finally:
        step(clock, "+0")
        d.cleanup()


if not os.path.exists(LIB):
    print("skip test_faults 100k: libfaketime is not installed (Debian package faketime)")
    del test_100k_deadlines_in_one_second_and_a_kill9_while_they_fire


def mount_tmpfs(path, size):
    """A small tmpfs at path; False where this machine does not allow it."""
    os.makedirs(path, exist_ok=True)
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s" % size, "tmpfs", path],
                       capture_output=True)
    return p.returncode == 0


def test_disk_full_answers_503_serves_reads_and_recovers():
    """The database on a 3 MiB tmpfs: once full, writes answer 503 naming
    the disk and change nothing, reads are served, the daemon stays up;
    when space returns, the refused records go in and nothing is lost."""
    d = Daemon()
    mnt = os.path.join(d.dir, "small")
    if not mount_tmpfs(mnt, "3m"):
        print("     skip: cannot mount a tmpfs here (needs root)")
        d.cleanup()
        return
    d.db = os.path.join(mnt, "nadzor.db")
    try:
        d.start()
        tok = d.user("alm", "region", "KZ-75")
        stored, refused = [], []
        for i in range(5000):
            ref = "FULL-%04d" % i
            st, b = d.post(incident(ref, occurred=iso(ago(minutes=30)),
                                    received=iso(ago(minutes=20))), tok)
            if st == 201:
                stored.append(ref)
                continue
            assert st == 503, (st, b)
            assert "disk is full" in b["error"] and "nothing was changed" in b["error"], b
            refused.append(ref)
            if len(refused) == 5:
                break
        assert stored and len(refused) == 5, "the disk never filled: %d stored" % len(stored)
        # Full: the daemon is up, reads are served, the refused left no trace.
        assert d.alive()
        st, _, body = d.request("GET", "/api/v1/obligations?rule=call-1h", token=tok)
        assert st == 200 and stored[-1].encode() in body
        assert count(d, "SELECT count(*) FROM record WHERE ref LIKE 'FULL-%'") == len(stored)
        assert "database or disk is full" in d.logtext()
        # Space returns: the same records go in, with no restart.
        subprocess.run(["mount", "-o", "remount,size=64m", mnt], check=True)
        for ref in refused:
            st, b = d.post(incident(ref, occurred=iso(ago(minutes=30)),
                                    received=iso(ago(minutes=20))), tok)
            assert st == 201, (ref, st, b)
        assert count(d, "SELECT count(*) FROM record WHERE ref LIKE 'FULL-%'") == \
            len(stored) + len(refused)
        assert d.stop() == 0
        assert d.sql("PRAGMA integrity_check") == [("ok",)]
        p = d.nadzor("audit", "verify", db=True)
        assert p.returncode == 0, p.stdout + p.stderr
        print("     %d records stored before the disk filled; 5 refused with 503, "
              "stored once space returned" % len(stored))
    finally:
        d.stop()
        subprocess.run(["umount", "-l", mnt], capture_output=True)
        d.cleanup()


def checkpoint(db):
    """A passive checkpoint from outside: (WAL frames, frames copied back)."""
    import sqlite3
    con = sqlite3.connect(db, timeout=10)
    try:
        _, log, done = con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return log, done
    finally:
        con.close()


def test_long_report_reader_does_not_hold_up_ingest():
    """A reader holding one snapshot (an hour-long report, shortened) while
    2,000 records arrive: every post is answered promptly, reports are still
    served, checkpoints stop short of the reader's snapshot, and once it lets
    go the whole WAL is copied back: nadzord holds no snapshot of its own."""
    import sqlite3
    d = Daemon().start()
    try:
        tok = d.user("alm", "region", "KZ-75")
        boss = d.user("boss", "head")
        reader = sqlite3.connect(d.db, timeout=10)
        reader.execute("BEGIN")
        seen = reader.execute("SELECT count(*) FROM record").fetchone()[0]
        worst = 0.0
        for i in range(0, 2000, 50):
            refs = ["LONG-%04d" % k for k in range(i, i + 50)]
            t0 = time.time()
            st, b = d.post(batch(refs, iso(ago(minutes=30)), iso(ago(minutes=20))), tok)
            worst = max(worst, time.time() - t0)
            assert st == 201, (st, b)
        st, _, _ = d.request("GET", "/api/v1/reports/monthly/" + time.strftime("%Y-%m"), token=boss)
        assert st == 200
        assert d.request("GET", "/api/v1/obligations?rule=call-1h", token=boss)[0] == 200
        # The reader's snapshot is the one it began with, and it pins the WAL.
        assert reader.execute("SELECT count(*) FROM record").fetchone()[0] == seen
        held = checkpoint(d.db)
        assert held[1] < held[0], "a checkpoint went past a reader's snapshot: %r" % (held,)
        reader.rollback()
        reader.close()
        # Let go: nothing of nadzord's own (report thread, loop reader)
        # keeps a snapshot open, so everything is copied back.
        free = checkpoint(d.db)
        print("     slowest post %.3fs while a reader held its snapshot; WAL frames "
              "copied back %d of %d then, %d of %d after" % (worst, held[1], held[0], free[1], free[0]))
        assert free[0] == free[1], "nadzord itself pins the WAL: %r" % (free,)
        assert worst < (10 if SANITIZED or VALGRIND else 2), worst
        assert count(d, "SELECT count(*) FROM record WHERE ref LIKE 'LONG-%'") == 2000
    finally:
        d.cleanup()


def thread_switches(pid, name):
    """Context switches of pid's thread called name so far, or None."""
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
            if f.read().strip() != name:
                continue
        with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
            return sum(int(l.split()[1]) for l in f
                       if l.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")))
    return None


def test_checkpointer_sleeps_until_a_commit():
    """The checkpointer wakes for commits, not on a timer: idle, its thread
    does not run at all; a commit (GET /healthz writes a row) has its frames
    copied back into the database file at once."""
    d = Daemon().start()
    try:
        time.sleep(1.5)         # start-up's own commits, checkpointed
        before = thread_switches(d.proc.pid, "nadzord-ckpt")
        assert before is not None or VALGRIND, "no thread nadzord-ckpt"
        mtime = os.stat(d.db).st_mtime_ns
        time.sleep(2)
        if before is not None:
            idle = thread_switches(d.proc.pid, "nadzord-ckpt") - before
            assert idle == 0, "the checkpointer woke %d times with nothing to do" % idle
        assert os.stat(d.db).st_mtime_ns == mtime, "the database file changed while idle"
        assert d.request("GET", "/healthz")[0] == 200
        t0 = time.time()
        while os.stat(d.db).st_mtime_ns == mtime and time.time() - t0 < 5:
            time.sleep(0.01)
        took = time.time() - t0
        assert os.stat(d.db).st_mtime_ns != mtime, "no checkpoint after a commit"
        assert took < (5 if SANITIZED or VALGRIND else 1), took
        print("     idle: no wake-up in 2 s; a commit checkpointed after %.3fs" % took)
    finally:
        d.cleanup()
