"""test_delivery.py - alerts leave the daemon: the event stream (resume,
slow readers, scoping), acknowledgement (stops escalation), the exec hook
(environment, timeout, retry with back-off)."""
import json
import os
import shutil
import socket
import sqlite3
import stat
import time

from harness import ROOT, Daemon, incident
from test_deadlines import ago, iso, one, people, wait_for


class Stream:
    """A raw SSE client: GET /api/v1/events, events parsed as they come."""

    def __init__(self, d, token, last=None, rcvbuf=None):
        self.s = socket.socket()
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.connect(("127.0.0.1", d.port))
        self.s.settimeout(0.2)
        hdr = "GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n" % token
        if last is not None:
            hdr += "Last-Event-ID: %d\r\n" % last
        self.s.sendall((hdr + "\r\n").encode())
        self.buf = b""
        self.events = []

    def pump(self, seconds=0.5):
        end = time.time() + seconds
        while time.time() < end:
            try:
                chunk = self.s.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                return False
            self.buf += chunk
        for block in self.buf.split(b"\n\n"):
            if b"\ndata: " in block or block.startswith(b"id: "):
                for line in block.split(b"\n"):
                    if line.startswith(b"data: "):
                        ev = json.loads(line[6:])
                        if ev["id"] not in [e["id"] for e in self.events]:
                            self.events.append(ev)
        return True

    def close(self):
        self.s.close()


def late(ref, minutes=70):
    return incident(ref, occurred=iso(ago(minutes=minutes + 5)), received=iso(ago(minutes=minutes)))


def test_stream_delivers_to_recipients_only_and_resumes():
    d = Daemon().start()
    try:
        alm, zonal, boss = people(d)
        other = d.user("zonal19", "department", "KZ-19")
        s1, s2 = Stream(d, zonal), Stream(d, other)
        s1.pump(0.3)
        d.post(late("EV-1"), alm)
        assert wait_for(lambda: s1.pump(0.2) and s1.events, 5), s1.buf[-500:]
        s2.pump(0.5)
        assert not s2.events, "a KZ-19 watcher got a KZ-75 alert"
        assert b"text/event-stream" in s1.buf
        e = s1.events[0]
        assert e["recipient"] == "zonal" and e["record"] == "EV-1" and e["title_ru"], e
        last = max(ev["id"] for ev in s1.events)
        s1.close()
        # Alerts created while the watcher was away arrive on resume.
        d.post(late("EV-2"), alm)
        time.sleep(1)
        s3 = Stream(d, zonal, last=last)
        assert wait_for(lambda: s3.pump(0.2) and [x for x in s3.events if x["record"] == "EV-2"], 5)
        assert all(x["id"] > last for x in s3.events)
        s3.close()
        s2.close()
    finally:
        d.cleanup()


def test_slow_watcher_is_dropped_and_the_daemon_keeps_going():
    d = Daemon(config={"events_max_queue": 8192}).start()
    try:
        alm, zonal, boss = people(d)
        slow = Stream(d, zonal, rcvbuf=1024)
        time.sleep(0.3)
        batch = b'<batch xmlns="urn:nadzor:record:1">' + b"".join(
            late("SLOW-%d" % i)[len(b""):] for i in range(400)) + b"</batch>"
        t0 = time.time()
        st, _ = d.post(batch, alm)
        assert st == 201
        assert time.time() - t0 < 10
        assert wait_for(lambda: "reads too slowly" in d.logtext(), 15), d.logtext()[-2000:]
        assert d.request("GET", "/healthz")[0] == 200
        slow.close()
    finally:
        d.cleanup()


def test_acknowledged_breach_does_not_escalate():
    d = Daemon()
    tmp = os.path.join(d.dir, "rules")
    shutil.copytree(os.path.join(ROOT, "rules"), tmp)
    path = os.path.join(tmp, "order-7-2015.xml")
    text = open(path).read()
    i = text.index('id="call-1h"')
    j = text.index("</rule>", i)
    part = text[i:j]
    assert 'after-minutes="15"' in part, part
    open(path, "w").write(text[:i] + part.replace('after-minutes="15"', 'after-minutes="1"') + text[j:])
    d.rules = tmp
    d.start()
    try:
        alm, zonal, boss = people(d)
        # Due 50 s ago: the breach fires now, the escalation in about 10 s.
        for ref in ("ACK-1", "NOACK-1"):
            d.post(incident(ref, occurred=iso(ago(minutes=62)),
                            received=iso(ago(minutes=60, seconds=50))), alm)
        acked = one(d, alm, "call-1h", "ACK-1")["id"]
        control = one(d, alm, "call-1h", "NOACK-1")["id"]
        br = wait_for(lambda: [a for a in json.loads(d.request("GET", "/api/v1/alerts", token=zonal)[2])
                               if a["obligation"] == acked and a["kind"] == "breach"
                               and a["recipient"] == "zonal"], 5)
        assert br, "no breach"
        p = d.nadzor("ack", str(br[0]["id"]), token=zonal) if os.path.exists(
            os.path.join(ROOT, "client", "cmd-ack.c")) else None
        if p is None or p.returncode != 0:
            st, _, b = d.request("POST", "/api/v1/alerts/%d/ack" % br[0]["id"], token=zonal)
            assert st == 200 and json.loads(b)["acked_by"] == "zonal", b
        assert d.request("POST", "/api/v1/alerts/%d/ack" % br[0]["id"], token=other_token(d))[0] == 404
        time.sleep(13)
        esc = lambda oid: [a for a in json.loads(d.request("GET", "/api/v1/alerts", token=boss)[2])
                           if a["obligation"] == oid and a["kind"] == "escalation"]
        assert not esc(acked), esc(acked)
        assert esc(control), "the unacknowledged breach did not escalate"
        assert d.sql("SELECT count(*) FROM audit WHERE action='alert.ack'")[0][0] == 1
        listed = d.nadzor("alerts", token=zonal).stdout.decode()
        assert any(l.split()[0] == str(br[0]["id"]) and " zonal " in l.split("breach", 1)[1]
                   for l in listed.splitlines()[1:] if l.strip()), listed
    finally:
        d.cleanup()


def other_token(d):
    return d.user("shym", "region", "KZ-79")


def write_hook(d, body):
    path = os.path.join(d.dir, "hook.sh")
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body)
    os.chmod(path, os.stat(path).st_mode | stat.S_IEXEC)
    return path


def test_hook_gets_alert_fields_and_is_retried_until_it_succeeds():
    d = Daemon()
    out = os.path.join(d.dir, "hook.out")
    count = os.path.join(d.dir, "hook.count")
    # Fails twice, then succeeds; records its environment each time.
    hook = write_hook(d, """n=$(cat %s 2>/dev/null || echo 0); n=$((n+1)); echo $n > %s
env | grep '^NADZOR_' | sort >> %s; echo -- >> %s
[ $n -ge 3 ]
""" % (count, count, out, out))
    d.config = os.path.join(d.dir, "nadzord.conf")
    with open(d.config, "w") as f:
        f.write("alert_hook %s\nalert_hook_backoff 1\nalert_hook_timeout 5\n" % hook)
    d.start()
    try:
        alm = d.user("alm", "region", "KZ-75")
        d.post(incident("HOOK-1", occurred=iso(ago(minutes=70)), received=iso(ago(minutes=65))), alm)
        # Alerts: breach (alm, no zonal) and escalation: several deliveries.
        done = lambda: d.sql("SELECT count(*), sum(done IS NOT NULL), max(attempts) FROM hook_delivery")[0]
        assert wait_for(lambda: done()[0] > 0 and done()[0] == done()[1], 20), done()
        assert done()[2] >= 3, done()
        text = open(out).read()
        assert "NADZOR_RECORD=HOOK-1" in text and "NADZOR_REGION=KZ-75" in text, text
        assert "NADZOR_ALERT_KIND=breach" in text and "NADZOR_RULE=call-1h" in text
        assert "NADZOR_DUE=" in text and "NADZOR_ATTEMPT=1" in text
        # A restart does not deliver again what was delivered.
        n = int(open(count).read())
        d.stop()
        d.start()
        time.sleep(2)
        assert int(open(count).read()) == n
    finally:
        d.cleanup()


def test_hanging_hook_is_killed_and_never_holds_up_ingest():
    d = Daemon()
    hook = write_hook(d, "exec sleep 60\n")
    d.config = os.path.join(d.dir, "nadzord.conf")
    with open(d.config, "w") as f:
        f.write("alert_hook %s\nalert_hook_timeout 1\nalert_hook_backoff 1\n" % hook)
    d.start()
    try:
        alm = d.user("alm", "region", "KZ-75")
        d.post(late("HANG-1"), alm)
        time.sleep(0.5)
        t0 = time.time()
        for i in range(20):
            assert d.post(incident("HANG-OK-%d" % i), alm)[0] == 201
        assert time.time() - t0 < 3, "ingest waited on the hook"
        assert wait_for(lambda: "killed after 1 s" in d.logtext(), 10), d.logtext()[-1500:]
        # The log line comes before the writer records the attempt: wait.
        errs = wait_for(lambda: d.sql("SELECT last_error FROM hook_delivery"
                                      " WHERE last_error IS NOT NULL"), 5)
        assert errs and "killed" in errs[0][0], errs
        t0 = time.time()
        assert d.stop() == 0
        assert time.time() - t0 < 12
    finally:
        d.cleanup()


def test_bad_hook_configuration_is_refused_at_start():
    d = Daemon(config={"alert_hook": "relative/path.sh"})
    try:
        d.logf = None
        import subprocess
        from harness import BIN
        p = subprocess.run([os.path.join(BIN, "nadzord"), "--db", d.db, "--config", d.config,
                            "--listen", "127.0.0.1:%d" % d.port, "--foreground"],
                           capture_output=True, timeout=20)
        assert p.returncode != 0 and b"alert_hook" in p.stderr, p.stderr
    finally:
        shutil.rmtree(d.dir, ignore_errors=True)


def test_alert_of_a_duty_left_without_a_term_says_null():
    """A recompute can leave a duty without a due time after its alerts
    were raised: they then say obligation_due null, never 1970."""
    d = Daemon().start()
    try:
        alm, zonal, boss = people(d)
        d.post(late("NULLDUE-1"), alm)
        assert wait_for(lambda: json.loads(d.request(
            "GET", "/api/v1/alerts", token=zonal)[2]), 10)
        d.stop()
        con = sqlite3.connect(d.db)
        with con:
            con.execute("UPDATE obligation SET due = NULL WHERE id IN "
                        "(SELECT obligation FROM alert)")
        con.close()
        d.start()
        alerts = json.loads(d.request("GET", "/api/v1/alerts", token=zonal)[2])
        assert alerts and all(a["obligation_due"] is None for a in alerts), alerts
        s = Stream(d, zonal, last=0)
        assert wait_for(lambda: s.pump(0.2) and s.events, 5), s.buf[-500:]
        assert all(e["obligation_due"] is None for e in s.events), s.events
        s.close()
    finally:
        d.cleanup()
