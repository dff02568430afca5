"""test_core.py - the core as a newcomer uses it: users, submit, read back, signals."""
import os
import signal
import sqlite3
import subprocess
import threading
import time

from harness import BIN, Daemon, data, incident, stay_root_args


def test_submit_and_read_back_with_client():
    d = Daemon().start()
    try:
        tok = d.user("alm", "region", "KZ-75")
        assert len(tok) == 43 and "\n" not in tok, tok
        files = [os.path.join("tests/data", f) for f in ("incident.xml", "placement.xml", "action.xml")]
        p = d.nadzor("submit", *files, token=tok)
        assert p.returncode == 0, p.stderr
        out = p.stdout.decode()
        assert out.count("created record") == 3, out
        p = d.nadzor("submit", files[0], token=tok)
        assert p.returncode == 0 and b"unchanged record" in p.stdout, p.stdout
        p = d.nadzor("record", "KZ-75/ALM-2025-0142", token=tok)
        assert p.returncode == 0, p.stderr
        assert "Серіков Айдос Болатұлы".encode() in p.stdout, p.stdout[:200]
        rid = d.sql("SELECT id FROM record WHERE ref='ALM-2025-0142'")[0][0]
        p2 = d.nadzor("record", str(rid), token=tok)
        assert p2.stdout == p.stdout
        # stdin
        p = d.nadzor("submit", "-", token=tok, stdin=incident("STDIN-1"))
        assert p.returncode == 0 and b"created record" in p.stdout, p.stderr
    finally:
        d.cleanup()


def test_exit_codes_and_errors_on_stderr():
    d = Daemon().start()
    try:
        tok = d.user("alm", "region", "KZ-75")
        bad = os.path.join(d.dir, "bad.xml")
        with open(bad, "wb") as f:
            f.write(incident("BAD-1", occurred="2025-03-20T02:15:00"))
        p = d.nadzor("submit", bad, token=tok)
        assert p.returncode == 1, p.returncode
        err = p.stderr.decode()
        assert "occurred" in err and p.stdout == b"", err
        assert d.nadzor("submit", token=tok).returncode == 2
        assert d.nadzor("frobnicate").returncode == 2
        p = d.nadzor("record", "1", token="not-a-token")
        assert p.returncode == 3 and b"token" in p.stderr, p.stderr
        assert d.nadzor("record", "999", token=tok).returncode == 4
        p = d.nadzor("--url", "http://127.0.0.1:1", "record", "1", token=tok)
        assert p.returncode == 5 and b"no answer" in p.stderr, p.stderr
        p = d.nadzor("submit", "/nonexistent.xml", token=tok)
        assert p.returncode == 1 and b"No such file" in p.stderr
    finally:
        d.cleanup()


def test_help_for_every_command():
    d = Daemon()
    try:
        p = d.nadzor("--help")
        assert p.returncode == 0 and b"commands:" in p.stdout
        for cmd in ("submit", "record", "user", "audit"):
            p = d.nadzor(cmd, "--help")
            assert p.returncode == 0 and p.stdout.startswith(b"usage: nadzor " + cmd.encode()), cmd
        p = subprocess.run([os.path.join(BIN, "nadzord"), "--help"], capture_output=True)
        assert p.returncode == 0 and b"--listen" in p.stdout
    finally:
        d.cleanup()


def test_user_commands():
    d = Daemon()
    try:
        tok = d.user("zonal1", "department", "KZ-75", "KZ-19")
        d.user("boss", "head")
        p = d.nadzor("user", "add", "x", "--role", "district", db=True)
        assert p.returncode == 2 and b"--region" in p.stderr, p.stderr
        p = d.nadzor("user", "add", "x", "--role", "king", "--region", "KZ-75", db=True)
        assert p.returncode == 2 and b"unknown role" in p.stderr
        p = d.nadzor("user", "add", "zonal1", "--role", "head", db=True)
        assert p.returncode == 1 and b"already exists" in p.stderr
        p = d.nadzor("user", "list", db=True)
        out = p.stdout.decode()
        assert "zonal1" in out and "KZ-19,KZ-75" in out and "all regions" in out, out
        d.start()
        assert d.request("GET", "/api/v1/records/1", token=tok)[0] == 404
        p = d.nadzor("user", "rotate-token", "zonal1", db=True)
        new = p.stdout.decode().strip()
        assert p.returncode == 0 and new != tok
        assert d.request("GET", "/api/v1/records/1", token=tok)[0] == 401
        assert d.request("GET", "/api/v1/records/1", token=new)[0] == 404
        assert d.nadzor("user", "disable", "zonal1", db=True).returncode == 0
        assert d.request("GET", "/api/v1/records/1", token=new)[0] == 401
        p = d.nadzor("audit", "list", db=True)
        assert b"user.rotate-token" in p.stdout and b"user.disable" in p.stdout
        p = d.nadzor("audit", "verify", db=True)
        assert p.returncode == 0 and b"intact" in p.stdout, p.stdout
    finally:
        d.cleanup()


def test_bad_startup_says_why():
    nd = os.path.join(BIN, "nadzord")
    p = subprocess.run([nd, "--db", "/nonexistent/dir/x.db", "--listen", "127.0.0.1:0",
                        "--foreground"] + stay_root_args(), capture_output=True, timeout=20)
    assert p.returncode != 0 and b"cannot open database" in p.stderr, p.stderr
    d = Daemon()
    try:
        p = subprocess.run([nd, "--db", d.db, "--listen", "nonsense", "--foreground"],
                           capture_output=True, timeout=20)
        assert p.returncode != 0 and b"HOST:PORT" in p.stderr, p.stderr
        assert len(p.stderr.decode().strip().splitlines()) == 1, p.stderr
        conf = os.path.join(d.dir, "bad.conf")
        with open(conf, "w") as f:
            f.write("max_conns lots\n")
        p = subprocess.run([nd, "--db", d.db, "--config", conf, "--foreground"],
                           capture_output=True, timeout=20)
        assert p.returncode != 0 and b"bad.conf:1: max_conns" in p.stderr, p.stderr
        d.start()
        p = subprocess.run([nd, "--db", d.db, "--listen", "127.0.0.1:%d" % d.port,
                            "--foreground"], capture_output=True, timeout=20)
        assert p.returncode != 0 and b"cannot listen" in p.stderr, p.stderr
    finally:
        d.cleanup()


def test_listen_failure_names_the_address_and_why():
    """A socket that cannot be bound says which address and the system's
    reason, in one line: another nadzord on the port, an address that is
    not this machine's."""
    nd = os.path.join(BIN, "nadzord")
    d = Daemon().start()
    try:
        other = os.path.join(d.dir, "other.db")
        for hostport, why in (("127.0.0.1:%d" % d.port, "Address already in use"),
                              ("192.0.2.1:%d" % d.port, "Cannot assign requested address")):
            p = subprocess.run([nd, "--db", other, "--listen", hostport, "--foreground"] +
                               stay_root_args(), capture_output=True, timeout=20)
            err = p.stderr.decode()
            assert p.returncode != 0, err
            assert "cannot listen on %s: %s" % (hostport, why) in err, err
            assert len(err.strip().splitlines()) == 1, err
        assert d.alive()
    finally:
        d.cleanup()


def test_detached_start_and_sigterm():
    d = Daemon()
    try:
        p = subprocess.run([os.path.join(BIN, "nadzord"), "--db", d.db, "--listen",
                            "127.0.0.1:%d" % d.port] + stay_root_args(),
                           capture_output=True, timeout=20)
        assert p.returncode == 0, p.stderr
        assert d.request("GET", "/healthz")[0] == 200
        pid = int(subprocess.run(["pgrep", "-f", "nadzord --db %s" % d.db],
                                 capture_output=True).stdout.split()[0])
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("detached nadzord did not stop on SIGTERM")
    finally:
        d.cleanup()


def test_sighup_keeps_serving_and_sigterm_exits_zero():
    d = Daemon().start()
    try:
        tok = d.user("alm", "region", "KZ-75")
        d.proc.send_signal(signal.SIGHUP)
        time.sleep(0.2)
        assert d.post(incident("HUP-1"), tok)[0] == 201
        assert "SIGHUP" in d.logtext()
        assert d.stop() == 0
    finally:
        d.cleanup()


def test_locked_database_writes_503_reads_served():
    d = Daemon().start()
    try:
        tok = d.user("alm", "region", "KZ-75")
        st, body = d.post(incident("LOCK-1"), tok)
        assert st == 201
        rid = body["records"][0]["id"]
        con = sqlite3.connect(d.db, timeout=1, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        try:
            t0 = time.time()
            st, body = d.post(incident("LOCK-2"), tok)
            waited = time.time() - t0
            assert st == 503 and "locked" in str(body), (st, body)
            assert 4 < waited < 15, waited
            t0 = time.time()
            assert d.request("GET", "/api/v1/records/%d" % rid, token=tok)[0] == 200
            assert time.time() - t0 < 1
        finally:
            con.execute("ROLLBACK")
            con.close()
        assert d.post(incident("LOCK-2"), tok)[0] == 201
        assert d.sql("SELECT count(*) FROM record")[0][0] == 2
    finally:
        d.cleanup()


def test_group_commit_under_concurrency():
    """Many concurrent writers share commits: fewer fsyncs than records."""
    d = Daemon().start()
    try:
        tok = d.user("alm", "region", "KZ-75")
        results = []

        def worker(k):
            for i in range(25):
                results.append(d.post(incident("GC-%d-%d" % (k, i)), tok)[0])

        ts = [threading.Thread(target=worker, args=(k,)) for k in range(16)]
        [t.start() for t in ts]
        [t.join() for t in ts]
        assert results.count(201) == 400, set(results)
        assert d.sql("SELECT count(*) FROM record")[0][0] == 400
        assert d.sql("SELECT count(*) FROM audit WHERE action='record.submit'")[0][0] == 400
        h = __import__("json").loads(d.request("GET", "/healthz")[2])
        assert h["jobs"] >= 400 and h["commits"] < h["jobs"], h
    finally:
        d.cleanup()
