"""test_watch.py - alerts on the officer's desktop: `nadzor watch` against a
real nadzord and a real notification server on a private bus and display
(tests/notify-env), read back from a dbus-monitor capture; `nadzor ack`.

A stand-in event stream (FakeStream) checks what a real daemon cannot send:
chunks split anywhere, CR/CRLF line ends, hostile text, refusals.

Tests that need a desktop (dbus, Xvfb, dunst) are left out, with a "skip"
line, only when those programs are missing; `make test` installs them."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

from harness import BIN, ROOT, SANITIZED, Daemon, incident

NOTIFY_ENV = os.path.join(ROOT, "tests", "notify-env")
NADZOR = os.path.join(BIN, "nadzor")
ALMATY = timezone(timedelta(hours=5))


def iso(dt):
    return dt.astimezone(ALMATY).isoformat(timespec="seconds")


def ago(**kw):
    return datetime.now(timezone.utc) - timedelta(**kw)


def late(ref, region="KZ-75", minutes=120):
    """An incident received `minutes` ago: call-1h is breached on arrival."""
    return incident(ref, region=region, occurred=iso(ago(minutes=minutes + 10)),
                    received=iso(ago(minutes=minutes)))


def titles(rule):
    """The rule's titles from the shipped rule set, by language."""
    ns = {"r": "urn:nadzor:rules:1"}
    tree = ET.parse(os.path.join(ROOT, "rules", "order-7-2015.xml"))
    for r in tree.getroot().iter():
        if r.tag.endswith("}rule") and r.get("id") == rule:
            return {t.get("lang"): t.text for t in r if t.tag.endswith("}title")}
    raise AssertionError("no rule %s (%s)" % (rule, ns))


def cleanup(*things):
    """Clean up every watcher, stream and daemon even if one of them fails
    (a sanitizer report, say), then raise the first failure."""
    first = None
    for t in things:
        try:
            if t is not None:
                t.cleanup()
        except Exception as e:      # noqa: BLE001 - re-raised below
            first = first or e
    if first is not None:
        raise first


def wait_for(cond, timeout=10, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(step)
    return cond()


def have(server):
    return subprocess.run([NOTIFY_ENV, "--check", server], capture_output=True).returncode == 0


class Watcher:
    """`nadzor watch` as a user runs it: under tests/notify-env with the
    given server, or bare (desktop=False) with --no-notify semantics left to
    the arguments.  Output goes to files so nothing blocks on a pipe."""

    def __init__(self, url, token, *args, server="dunst", desktop=True, script=None):
        self.dir = tempfile.mkdtemp(prefix="nadzor-watch-")
        self.log = os.path.join(self.dir, "monitor.log")
        self.out = os.path.join(self.dir, "stdout")
        self.err = os.path.join(self.dir, "stderr")
        cmd = [NADZOR, "watch"] + list(args)
        if script is not None:
            cmd = ["sh", "-c", script, "sh"] + cmd
        if desktop:
            cmd = [NOTIFY_ENV, "--server", server, "--log", self.log, "--"] + cmd
        env = dict(os.environ, NADZOR_URL=url, NADZOR_TOKEN=token)
        for k in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "WAYLAND_DISPLAY"):
            env.pop(k, None)        # never the machine's own desktop
        with open(self.out, "wb") as o, open(self.err, "wb") as e:
            self.proc = subprocess.Popen(cmd, stdout=o, stderr=e, env=env,
                                         start_new_session=True)
        self.t0 = time.time()

    def stdout(self):
        with open(self.out, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stderr(self):
        with open(self.err, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def lines(self):
        return [l for l in self.stdout().splitlines() if l]

    def calls(self):
        """The Notify calls captured so far, as dicts."""
        if not os.path.exists(self.log):
            return []
        p = subprocess.run([NOTIFY_ENV, "--calls", self.log], capture_output=True, timeout=20)
        out = []
        for line in p.stdout.decode("utf-8", "replace").splitlines():
            app, summary, body, urgency, actions = (line.split("\t") + [""] * 5)[:5]
            out.append({"app": app, "summary": summary, "body": body.replace("\\n", "\n"),
                        "urgency": urgency, "actions": actions})
        return out

    def wait_calls(self, n=1, timeout=15, match=lambda c: True):
        got = wait_for(lambda: len([c for c in self.calls() if match(c)]) >= n, timeout, 0.2)
        calls = [c for c in self.calls() if match(c)]
        assert got, "expected %d Notify calls, got %r; stderr: %s" % (n, calls, self.stderr())
        return calls

    def wait_stderr(self, text, count=1, timeout=15):
        ok = wait_for(lambda: self.stderr().count(text) >= count, timeout)
        assert ok, "no %r (x%d) on stderr: %s" % (text, count, self.stderr())

    def wait_connected(self, count=1, timeout=15):
        self.wait_stderr("nadzor: watching ", count, timeout)

    def wait(self, timeout=30):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("watch did not exit; stderr: " + self.stderr())

    def check_sanitizer(self):
        if SANITIZED and "Sanitizer" in self.stderr():
            raise AssertionError("sanitizer report: " + self.stderr()[-4000:])

    def stop(self):
        """SIGTERM the whole group (watch, the bus, Xvfb, the server)."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.check_sanitizer()

    def cleanup(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class FakeStream:
    """A stand-in for nadzord's event stream.  plan(n, headers) gives, for
    the n-th connection, a list of: bytes (sent as one HTTP chunk), a float
    (a pause), "close" (drop the connection), or ("status", code, body)
    first for a refusal.  After the list the connection is held open."""

    def __init__(self, plan):
        self.plan = plan
        self.requests = []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.done = threading.Event()
        self.conns = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while not self.done.is_set():
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)
            self.requests.append(None)
            threading.Thread(target=self.one, args=(c, len(self.requests) - 1),
                             daemon=True).start()

    def one(self, c, n):
        try:
            head = b""
            while b"\r\n\r\n" not in head:
                b = c.recv(4096)
                if not b:
                    return
                head += b
            lines = head.decode("latin-1").split("\r\n")
            hdrs = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip()
                    for l in lines[1:] if ":" in l}
            hdrs[":path"] = lines[0].split(" ")[1]
            self.requests[n] = hdrs
            if not hdrs[":path"].startswith("/api/v1/events"):
                items = [("status", 404, b'{"error":"not found"}')]
            else:
                items = list(self.plan(n, hdrs))
            if items and isinstance(items[0], tuple):
                _, code, body = items.pop(0)
                c.sendall(b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
                          b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (code, len(body), body))
                c.close()
                return
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n")
            for it in items:
                if isinstance(it, float):
                    time.sleep(it)
                elif it == "close":
                    c.close()
                    return
                else:
                    c.sendall(b"%x\r\n%s\r\n" % (len(it), it))
            self.done.wait(120)
        except OSError:
            pass
        finally:
            c.close()

    def cleanup(self):
        self.close()

    def close(self):
        self.done.set()
        self.sock.close()
        for c in self.conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def event(alert, eol=b"\n"):
    """One SSE alert event."""
    data = json.dumps(alert, ensure_ascii=False).encode()
    return b"id: %d%sevent: alert%sdata: %s%s%s" % (alert["id"], eol, eol, data, eol, eol)


def alert(i, kind="breach", **kw):
    a = {"id": i, "obligation": 100 + i, "kind": kind, "recipient": "zonal",
         "at": iso(ago(minutes=1)), "due": iso(ago(minutes=30)), "rule": "call-1h",
         "region": "KZ-75", "record": "R-%d" % i, "period": None,
         "title_ru": "Заголовок %d" % i, "title_kk": "Тақырып %d" % i,
         "title_en": "Title %d" % i, "acked_by": None}
    a.update(kw)
    return a


def people(d):
    """A regional officer, the zonal officer of KZ-75, a head, and the zonal
    officer of another region."""
    return (d.user("alm", "region", "KZ-75"), d.user("zonal", "department", "KZ-75"),
            d.user("boss", "head"), d.user("zonal19", "department", "KZ-19"))


def alerts_of(d, tok, **q):
    qs = "&".join("%s=%s" % kv for kv in q.items())
    st, _, b = d.request("GET", "/api/v1/alerts?" + qs, token=tok)
    assert st == 200, (st, b)
    return json.loads(b)


def obligation(d, tok, rule, ref):
    st, _, b = d.request("GET", "/api/v1/obligations?rule=%s" % rule, token=tok)
    got = [o for o in json.loads(b) if o["record"] == ref]
    assert len(got) == 1, (rule, ref, got)
    return got[0]


# ---------------------------------------------------------------- no desktop needed

def test_watch_stream_parser_split_chunks_crlf_cr_comments_multiline():
    """Events cut at every few bytes, CRLF and bare CR line ends, a BOM,
    comments, data over several lines, other event types: parsed as an
    EventSource would."""
    a1, a2, a3 = alert(1), alert(2, kind="warning"), alert(3, kind="escalation")
    e1 = b"\xef\xbb\xbf: keep-alive\r\n\r\n" + event(a1, b"\r\n")
    d2 = json.dumps(a2, ensure_ascii=False).encode()
    half = len(d2) // 2
    e2 = b"id: 2\revent: alert\rdata: " + d2[:half] + b"\rdata:" + d2[half:] + b"\r\r"
    other = b"id: 7\nevent: ping\ndata: {}\n\n: comment\n\nretry: 10\n\n"
    e3 = event(a3)

    def plan(n, h):
        out = [e1[i:i + 5] for i in range(0, len(e1), 5)]
        out += [e2[:-1], 0.05, e2[-1:]]      # CR at a chunk's end, then its pair
        out += [other, e3]
        return out

    f = FakeStream(plan)
    w = Watcher(f.url, "T", "--no-notify", "--once", "3", desktop=False)
    try:
        assert w.wait(20) == 0, w.stderr()
        lines = w.lines()
        assert len(lines) == 3, lines
        assert lines[0].startswith("Нарушен срок: Заголовок 1 — Запись: R-1; Регион: KZ-75; "), lines
        assert "Просрочено на: 0 ч 30 мин" in lines[0] and lines[0].endswith("Оповещение № 1"), lines
        assert lines[1].startswith("Срок истекает: Заголовок 2 — Запись: R-2"), lines
        assert lines[2].startswith("Эскалация: Заголовок 3 — "), lines
        assert f.requests[0]["authorization"] == "Bearer T"
        # A first connection asks for what is still pending, then new ones.
        assert f.requests[0][":path"] == "/api/v1/events?pending=1"
        assert "last-event-id" not in f.requests[0], "a first connection has no id to resume from"
    finally:
        cleanup(w, f)


def test_watch_resumes_with_last_event_id_and_backs_off():
    """A dropped stream is reopened with Last-Event-ID; failed attempts wait
    1, 2, 4 s...; a successful connection resets the wait to 1 s."""
    def plan(n, h):
        if n == 0:
            return [event(alert(41)), b"id: 42\n\n", "close"]    # an id with no data counts
        if n in (1, 2):
            return [("status", 503, b'{"error":"busy"}')]
        if n == 3:
            return [event(alert(43)), "close"]
        return [event(alert(44))]

    f = FakeStream(plan)
    w = Watcher(f.url, "T", "--no-notify", "--once", "3", desktop=False)
    try:
        assert w.wait(30) == 0, w.stderr()
        err = w.stderr()
        ids = [r.get("last-event-id") for r in f.requests]
        assert ids == [None, "42", "42", "42", "43"], (ids, err)
        waits = [int(x) for x in re.findall(r"reconnecting in (\d+) s", err)]
        assert waits == [1, 2, 4, 1], (waits, err)
        assert "the daemon answered 503: busy" in err, err
        assert "resuming after event 42" in err and "resuming after event 43" in err, err
        assert [l.split(" — ")[0] for l in w.lines()] == \
            ["Нарушен срок: Заголовок %d" % i for i in (41, 43, 44)], w.lines()
    finally:
        cleanup(w, f)


def test_watch_refusals_end_with_the_documented_exit_codes():
    for code, rc in ((401, 3), (403, 3), (404, 4)):
        f = FakeStream(lambda n, h, code=code: [("status", code, b'{"error":"nope"}')])
        w = Watcher(f.url, "T", "--no-notify", desktop=False)
        try:
            assert w.wait(10) == rc, (code, w.stderr())
            assert "nope" in w.stderr(), w.stderr()
            assert len(f.requests) == 1, "a refusal is not retried"
        finally:
            cleanup(w, f)
    p = subprocess.run([NADZOR, "watch", "--lang", "fr"], capture_output=True)
    assert p.returncode == 2, p
    p = subprocess.run([NADZOR, "watch", "--once", "0"], capture_output=True)
    assert p.returncode == 2, p


def test_watch_due_time_from_the_alert_and_words_from_the_catalogue():
    """The duty's due time is the alert's obligation_due: nothing is asked
    of the daemon but the stream (a warning's and an escalation's own "due"
    are not the duty's, and are never shown as it).  The words are the
    gettext catalogue's: another catalogue (NADZOR_LOCALEDIR) changes them."""
    soon, past = ago(minutes=-120), ago(minutes=180)
    a1 = alert(1, kind="warning", due=iso(ago(minutes=-60)), obligation_due=iso(soon))
    a2 = alert(2, kind="escalation", due=iso(ago(minutes=120)), obligation_due=iso(past))
    a3 = alert(3, kind="warning", due=iso(ago(minutes=-60)))     # no obligation_due
    f = FakeStream(lambda n, h: [event(a1), event(a2), event(a3)])
    loc = tempfile.mkdtemp(prefix="nadzor-locale-")
    w = w2 = None
    try:
        w = Watcher(f.url, "T", "--no-notify", "--once", "3", desktop=False)
        assert w.wait(20) == 0, w.stderr()
        lines = w.lines()
        assert len(lines) == 3, lines
        assert lines[0].startswith("Срок истекает: Заголовок 1 — Запись: R-1; Регион: KZ-75; "
                                   "Срок: %s; " % soon.astimezone(ALMATY).strftime(
                                       "%Y-%m-%d %H:%M +05:00")), lines
        assert re.search(r"; Осталось: (1 ч 59|2 ч 00) мин; Оповещение № 1$", lines[0]), lines
        assert re.search(r"; Просрочено на: (2 ч 59|3 ч 00) мин; Оповещение № 2$", lines[1]), lines
        assert lines[2] == "Срок истекает: Заголовок 3 — Запись: R-3; Регион: KZ-75; " \
                           "Оповещение № 3", lines
        assert [r[":path"] for r in f.requests] == ["/api/v1/events?pending=1"], f.requests

        os.makedirs(os.path.join(loc, "ru", "LC_MESSAGES"))
        with open(os.path.join(ROOT, "reports", "po", "ru.po"), encoding="utf-8") as src:
            po = src.read().replace('msgstr "Срок истекает"', 'msgstr "Скоро срок (тест)"')
        with open(os.path.join(loc, "ru.po"), "w", encoding="utf-8") as dst:
            dst.write(po)
        subprocess.run(["msgfmt", "-o", os.path.join(loc, "ru", "LC_MESSAGES", "nadzor.mo"),
                        os.path.join(loc, "ru.po")], check=True)
        os.environ["NADZOR_LOCALEDIR"] = loc
        try:
            w2 = Watcher(f.url, "T", "--no-notify", "--once", "1", desktop=False)
        finally:
            del os.environ["NADZOR_LOCALEDIR"]
        assert w2.wait(20) == 0, w2.stderr()
        assert w2.lines()[0].startswith("Скоро срок (тест): Заголовок 1 — "), w2.lines()
    finally:
        shutil.rmtree(loc, ignore_errors=True)
        cleanup(w, w2, f)


def test_ack_command_and_its_exit_codes():
    d = Daemon().start()
    try:
        alm, zonal, boss, zonal19 = people(d)
        assert d.post(late("ACK-CLI"), alm)[0] == 201
        got = wait_for(lambda: [a for a in alerts_of(d, zonal, mine=1) if a["kind"] == "breach"])
        assert got, alerts_of(d, zonal, mine=1)
        a = got[0]
        p = d.nadzor("ack", str(a["id"]), token=zonal19)
        assert p.returncode == 4, (p.returncode, p.stderr)
        p = d.nadzor("ack", str(a["id"]), token=zonal)
        assert p.returncode == 0, p.stderr
        assert p.stdout.decode().strip() == "alert %d acknowledged by zonal" % a["id"], p.stdout
        p = d.nadzor("ack", str(a["id"]), token=zonal)
        assert p.returncode == 0 and "nothing to acknowledge" in p.stdout.decode(), p.stdout
        p = d.nadzor("ack", "--obligation", str(a["obligation"]), token=alm)
        assert p.returncode == 0, p.stderr
        assert re.fullmatch(r"obligation %d: \d+ alerts? acknowledged\n" % a["obligation"],
                            p.stdout.decode()), p.stdout
        assert d.nadzor("ack", "999999", token=zonal).returncode == 4
        assert d.nadzor("ack", "x1", token=zonal).returncode == 2
        assert d.nadzor("ack", token=zonal).returncode == 2
        assert d.nadzor("ack", "1", token="bogus").returncode == 3
    finally:
        d.cleanup()


# ---------------------------------------------------------------- on a desktop

def test_watch_breach_reaches_a_real_notification_server():
    """(a) A breach reaches dunst within seconds: Russian summary with the
    rule's title, urgency critical, body naming record, region, due time in
    the region's offset and how overdue, and an Acknowledge button."""
    d = Daemon().start()
    w = None
    try:
        alm, zonal, boss, _ = people(d)
        w = Watcher(d.url, zonal)
        w.wait_connected()
        t0 = time.time()
        assert d.post(late("DESK-1"), alm)[0] == 201
        call = w.wait_calls(1, 10, lambda c: c["summary"].startswith("Нарушен срок"))[0]
        took = time.time() - t0
        assert took < 5, "took %.1f s" % took
        o = obligation(d, alm, "call-1h", "DESK-1")
        assert call["app"] == "nadzor", call
        assert call["summary"] == "Нарушен срок: " + titles("call-1h")["ru"], call
        assert call["urgency"] == "2", call
        body = call["body"].split("\n")
        due = datetime.fromisoformat(o["due"])
        assert body[:3] == ["Запись: DESK-1", "Регион: KZ-75",
                            "Срок: %s" % due.strftime("%Y-%m-%d %H:%M +05:00")], body
        assert re.fullmatch(r"Просрочено на: (0 ч 59|1 ч 00) мин", body[3]), body
        assert re.fullmatch(r"Оповещение № \d+", body[4]), body
        assert call["actions"] == "ack=Подтвердить", call
        # The warning of report-3h (due in an hour) is a normal one.
        warn = w.wait_calls(1, 10, lambda c: c["summary"].startswith("Срок истекает"))[0]
        assert warn["urgency"] == "1", warn
        assert re.search(r"\nОсталось: (0 ч 59|1 ч 00) мин\n", warn["body"]), warn
        assert "dunst" in w.stderr() and "no desktop" not in w.stderr(), w.stderr()
    finally:
        cleanup(w, d)


def test_watch_other_region_gets_nothing():
    """(b) The zonal officer of KZ-19 is told nothing of KZ-75."""
    d = Daemon().start()
    w75 = w19 = None
    try:
        alm, zonal, boss, zonal19 = people(d)
        w75, w19 = Watcher(d.url, zonal), Watcher(d.url, zonal19)
        w75.wait_connected()
        w19.wait_connected()
        assert d.post(late("REG-1"), alm)[0] == 201
        w75.wait_calls(2, 10)
        time.sleep(1.5)
        assert w19.calls() == [], w19.calls()
        assert not [a for a in alerts_of(d, zonal19)], "KZ-19 sees KZ-75's alerts"
    finally:
        cleanup(w75, w19, d)


def test_watch_hostile_text_is_escaped_and_cut():
    """(c) Markup in any field reaches the body escaped (the server reads
    markup there), long fields are cut at 200 characters on a character
    boundary, control and bidi characters are blanked; a real daemon's
    record (a ref cannot hold markup) goes through the same path."""
    big = "Ж" * 10000
    a = alert(1, record="<b>R</b>&<a href='http://x'>", facility=big,
               region="KZ-75\n\x1b[31mFAKE: line", title_ru="<i>T</i>\u202eevil")

    f = FakeStream(lambda n, h: [event(a)])
    w = Watcher(f.url, "T")
    w2 = Watcher(f.url, "T", "--no-notify", "--once", "1", desktop=False)
    try:
        call = w.wait_calls(1, 10)[0]
        body = call["body"]
        assert "<b>" not in body and "<a " not in body, body
        assert "Запись: &lt;b&gt;R&lt;/b&gt;&amp;&lt;a href=&apos;http://x&apos;&gt;" in body or \
            "Запись: &lt;b&gt;R&lt;/b&gt;&amp;&lt;a href=&#39;http://x&#39;&gt;" in body, body
        fac = [l for l in body.split("\n") if l.startswith("Учреждение: ")]
        assert fac == ["Учреждение: " + "Ж" * 200 + "…"], [len(x) for x in fac]
        assert "\x1b" not in body and "Регион: KZ-75  [31mFAKE: line" in body, body
        assert len(body.encode()) < 1200, len(body.encode())
        assert call["summary"] == "Нарушен срок: <i>T</i> evil", call  # the summary is plain text
        assert w2.wait(10) == 0, w2.stderr()
        line = w2.lines()
        assert len(line) == 1 and "\x1b" not in line[0] and "Ж" * 201 not in line[0], line
        assert "Запись: <b>R</b>&<a href='http://x'>" in line[0], line   # a terminal reads no markup
    finally:
        cleanup(w, w2, f)


def test_watch_in_kazakh_and_english():
    """(d) --lang kk (on dunst) and --lang en (on GNOME's
    notification-daemon): the summaries and bodies in those languages,
    Kazakh letters intact."""
    d = Daemon().start()
    wk = we = None
    try:
        alm, zonal, boss, _ = people(d)
        wk = Watcher(d.url, zonal, "--lang", "kk")
        we = Watcher(d.url, alm, "--lang", "en", server="notification-daemon")
        wk.wait_connected()
        we.wait_connected()
        assert d.post(late("LANG-1"), alm)[0] == 201
        t = titles("call-1h")
        kk = wk.wait_calls(1, 10, lambda c: "бұзылды" in c["summary"])[0]
        assert kk["summary"] == "Мерзімі бұзылды: " + t["kk"], kk
        assert t["kk"].startswith("Төтенше оқиға"), t
        assert kk["body"].split("\n")[:2] == ["Жазба: LANG-1", "Өңір: KZ-75"], kk
        assert re.search(r"\nКешігу: (0 сағ 59|1 сағ 00) мин\n", kk["body"]), kk
        assert kk["actions"] == "ack=Растау", kk
        warn = wk.wait_calls(1, 10, lambda c: c["summary"].startswith("Мерзімі аяқталып келеді: "))
        assert "Қалған уақыт: " in warn[0]["body"], warn
        en = we.wait_calls(1, 10, lambda c: "breached" in c["summary"])[0]
        assert en["summary"] == "Deadline breached: " + t["en"], en
        assert en["body"].split("\n")[:2] == ["Record: LANG-1", "Region: KZ-75"], en
        assert re.search(r"\nOverdue by: (0 h 59|1 h 00) min\nAlert #\d+$", en["body"]), en
        assert en["actions"] == "ack=Acknowledge", en
    finally:
        cleanup(wk, we, d)


def test_watch_resumes_after_the_daemon_restarts():
    """(e) The daemon stops: the watcher backs off (1, 2, 4, 8 s); an alert
    made while it is still away arrives on reconnect (Last-Event-ID), and
    nothing shown before is shown again."""
    d = Daemon().start()
    w = None
    try:
        alm, zonal, boss, _ = people(d)
        w = Watcher(d.url, zonal)
        w.wait_connected()
        assert d.post(late("RES-1"), alm)[0] == 201
        w.wait_calls(2, 10)
        assert d.stop() == 0
        try:
            d.post(late("RES-X"), alm)
            raise AssertionError("a stopped daemon took a record")
        except OSError:
            pass
        w.wait_stderr("reconnecting in 8 s", timeout=15)
        d.start()
        assert d.post(late("RES-2"), alm)[0] == 201   # while the watcher waits
        assert w.stderr().count("resuming after event") == 0, w.stderr()
        w.wait_calls(1, 15, lambda c: "Запись: RES-2" in c["body"] and "Нарушен" in c["summary"])
        assert w.stderr().count("resuming after event") == 1, w.stderr()
        w.wait_stderr("resuming after event")
        assert d.post(late("RES-3"), alm)[0] == 201   # and live again
        w.wait_calls(1, 10, lambda c: "Запись: RES-3" in c["body"])
        res1 = [c for c in w.calls() if "Запись: RES-1" in c["body"]]
        assert len(res1) == 2, ("shown again after the restart", res1)
        waits = [int(x) for x in re.findall(r"reconnecting in (\d+) s", w.stderr())]
        assert waits[:4] == [1, 2, 4, 8], w.stderr()
    finally:
        cleanup(w, d)


def test_watch_without_a_notification_service_prints_alerts():
    """(f) A bus with no notification service: said once, then each alert
    is a line on stdout."""
    d = Daemon().start()
    w = None
    try:
        alm, zonal, boss, _ = people(d)
        w = Watcher(d.url, zonal, "--once", "4", server="none")
        w.wait_connected()
        assert d.post(late("NONE-1"), alm)[0] == 201
        assert d.post(late("NONE-2"), alm)[0] == 201
        assert w.wait(20) == 0, w.stderr()
        assert w.stderr().count("no desktop notification service") == 1, w.stderr()
        assert "printing alerts here" in w.stderr(), w.stderr()
        lines = w.lines()
        assert len(lines) == 4, lines
        assert sum(l.startswith("Нарушен срок: ") and "Запись: NONE-1; Регион: KZ-75;" in l
                   for l in lines) == 1, lines
        assert w.calls() == []
    finally:
        cleanup(w, d)


def test_watch_keeps_reading_while_the_notification_server_hangs():
    """(g) A server that owns the name and never answers (every call waits
    25 s): the watcher still reads both alerts at once; at --once it prints
    what could not be shown and exits, long before any D-Bus timeout."""
    d = Daemon().start()
    w = None
    try:
        alm, zonal, boss, _ = people(d)
        w = Watcher(d.url, zonal, "--once", "2", server="hung")
        w.wait_connected()
        t0 = time.time()
        assert d.post(late("HUNG-1"), alm)[0] == 201
        assert w.wait(20) == 0, w.stderr()
        took = time.time() - t0
        assert took < 10, "watch waited on D-Bus: %.1f s; %s" % (took, w.stderr())
        lines = w.lines()
        assert len(lines) == 2 and all("Запись: HUNG-1" in l for l in lines), lines
        assert "does not answer; 2 alerts printed here" in w.stderr(), w.stderr()
        # Ingest did not wait either.
        t1 = time.time()
        assert d.post(late("HUNG-2"), alm)[0] == 201 and time.time() - t1 < 2
    finally:
        cleanup(w, d)


def test_acknowledged_breach_does_not_escalate():
    """(h) call-1h with a 1-minute grace: two breaches 50 s old; the one
    acknowledged (its alert id read from the watcher) never escalates, even
    across a restart; the other escalates to the head."""
    d = Daemon()
    tmp = os.path.join(d.dir, "rules")
    shutil.copytree(os.path.join(ROOT, "rules"), tmp)
    path = os.path.join(tmp, "order-7-2015.xml")
    text = open(path).read()
    i = text.index('id="call-1h"')
    j = text.index("</rule>", i)
    text = text[:i] + text[i:j].replace('after-minutes="15"', 'after-minutes="1"', 1) + text[j:]
    assert 'after-minutes="1"' in text
    open(path, "w").write(text)
    d.rules = tmp
    d.start()
    w = None
    try:
        alm, zonal, boss, _ = people(d)
        w = Watcher(d.url, zonal, "--no-notify", desktop=False)
        w.wait_connected()
        rec = ago(hours=1, seconds=50)
        for ref in ("ESC-ACK", "ESC-NOT"):
            st, _ = d.post(incident(ref, occurred=iso(rec - timedelta(minutes=5)),
                                    received=iso(rec)), alm)
            assert st == 201
        acked = obligation(d, alm, "call-1h", "ESC-ACK")
        control = obligation(d, alm, "call-1h", "ESC-NOT")
        line = wait_for(lambda: [l for l in w.lines() if "Запись: ESC-ACK" in l
                                 and l.startswith("Нарушен срок")], 10)
        assert line, w.stdout()
        alert_id = re.search(r"Оповещение № (\d+)$", line[0]).group(1)
        p = d.nadzor("ack", alert_id, token=zonal)
        assert p.returncode == 0 and "acknowledged by zonal" in p.stdout.decode(), p.stderr
        st, _, b = d.request("GET", "/api/v1/obligations/%d" % acked["id"], token=alm)
        shown = [a for a in json.loads(b)["alerts"] if str(a["id"]) == alert_id]
        assert shown and shown[0]["acked_by"] == "zonal", json.loads(b)
        assert d.stop() == 0
        d.start()
        due = datetime.fromisoformat(control["due"]) + timedelta(minutes=1)
        left = (due - datetime.now(timezone.utc)).total_seconds()
        assert left > 0, "too slow: the escalation time passed before the check"
        esc = lambda oid: [a for a in alerts_of(d, boss) if a["obligation"] == oid
                           and a["kind"] == "escalation"]
        assert wait_for(lambda: esc(control["id"]), left + 5), "the control did not escalate"
        time.sleep(1)
        assert esc(acked["id"]) == [], esc(acked["id"])
    finally:
        cleanup(w, d)


def test_acknowledge_button_on_the_desktop():
    """The notification's Acknowledge button (dunst's context menu, with a
    stand-in dmenu picking the first action) acknowledges the alert."""
    d = Daemon().start()
    w = None
    try:
        alm, zonal, boss, _ = people(d)
        # The shell opens dunst's menu (a stand-in dmenu picks the first
        # action) once the Notify call is on the bus, again and again until
        # the ack is made: dunst may not have drawn the notification yet.
        # How long that may take is for this test to say, not the shell.
        script = ('"$@" 2>"$NOTIFY_MONITOR_LOG.watch" & pid=$!\n'
                  'until grep -q acknowledged "$NOTIFY_MONITOR_LOG.watch"; do\n'
                  '  grep -q "member=Notify" "$NOTIFY_MONITOR_LOG" && dunstctl context\n'
                  '  sleep 0.3; done\n'
                  'kill $pid; wait $pid; cat "$NOTIFY_MONITOR_LOG.watch" >&2\n')
        w = Watcher(d.url, zonal, script=script)
        werr = os.path.join(w.dir, "monitor.log.watch")

        def watch_said(text):
            return os.path.exists(werr) and text in open(werr, errors="replace").read()
        # A new watch gets the alerts raised after it connects: post only
        # then (a cold Xvfb and dunst can take seconds to come up).
        assert wait_for(lambda: watch_said("nadzor: watching "), 60), \
            "watch never connected: " + w.stderr()
        assert d.post(late("BTN-1", minutes=62), alm)[0] == 201
        w.wait_calls(1, timeout=30, match=lambda c: "ack=" in c["actions"])
        assert w.wait(60) == 0, w.stderr()
        m = re.search(r"nadzor: alert (\d+) acknowledged", w.stderr())
        assert m, w.stderr()
        a = [a for a in alerts_of(d, zonal, mine=1) if str(a["id"]) == m.group(1)]
        assert a and a[0]["acked_by"] == "zonal", a
    finally:
        cleanup(w, d)


def test_new_watch_shows_what_is_still_pending_first():
    """Started after the night's breaches, a watch shows first the alerts
    still waiting for the officer (unacknowledged, duty still open), then
    new ones; --new-only shows only new ones."""
    from test_deadlines import action
    d = Daemon().start()
    ws = []
    try:
        alm, zonal, boss, zonal19 = people(d)
        for ref in ("PEND-1", "PEND-2", "PEND-3"):
            assert d.post(late(ref), alm)[0] == 201
        mine = lambda ref: [a for a in alerts_of(d, zonal, mine=1) if a["record"] == ref]
        assert wait_for(lambda: mine("PEND-1") and mine("PEND-2") and mine("PEND-3"), 10)
        # PEND-2's alert is acknowledged; PEND-3's call is made (late).
        for a in mine("PEND-2"):
            assert d.request("POST", "/api/v1/alerts/%d/ack" % a["id"], token=zonal)[0] == 200
        assert d.post(action("PEND-3-C", "PEND-3", "call-1h", iso(ago(minutes=1))), alm)[0] == 201
        # Still pending: all of PEND-1's, PEND-3's other duties (report-3h).
        pending = sorted(a["id"] for a in mine("PEND-1") + mine("PEND-3")
                         if a["rule"] != "call-1h" or a["record"] == "PEND-1")
        assert len(pending) >= 2, pending
        w = Watcher(d.url, zonal, "--no-notify", "--once", str(len(pending) + 1), desktop=False)
        ws.append(w)
        w.wait_connected()
        assert "your pending alerts first" in w.stderr(), w.stderr()
        assert wait_for(lambda: len(w.lines()) >= len(pending), 10), (w.lines(), w.stderr())
        shown = lambda: [int(re.search(r"№ (\d+)$", l).group(1)) for l in w.lines()]
        assert shown() == pending, (pending, w.lines())        # oldest first
        assert d.post(late("PEND-4"), alm)[0] == 201
        assert w.wait(20) == 0, w.stderr()
        assert "PEND-4" in w.lines()[-1], w.lines()
        # Another officer, and --new-only, get none of them.
        for tok, args in ((zonal19, ()), (zonal, ("--new-only",))):
            w2 = Watcher(d.url, tok, "--no-notify", *args, desktop=False)
            ws.append(w2)
            w2.wait_connected()
            time.sleep(1)
            assert w2.lines() == [], (args, w2.lines())
        assert "alerts from now on" in ws[-1].stderr(), ws[-1].stderr()
        # After a drop a watch resumes from the place the daemon gave it,
        # not from a pending alert's old id: what was acknowledged or done
        # before it started stays quiet, nothing is shown twice.
        assert d.post(late("PEND-6"), alm)[0] == 201   # the newest, but acknowledged
        assert wait_for(lambda: mine("PEND-6"), 10)
        for a in mine("PEND-6"):
            assert d.request("POST", "/api/v1/alerts/%d/ack" % a["id"], token=zonal)[0] == 200
        w3 = Watcher(d.url, zonal, "--no-notify", desktop=False)
        ws.append(w3)
        w3.wait_connected()
        assert wait_for(lambda: [l for l in w3.lines() if "PEND-4" in l], 10), w3.lines()
        time.sleep(0.5)
        before = w3.lines()
        assert d.stop() == 0
        d.start()
        w3.wait_stderr("resuming after event", timeout=20)
        assert d.post(late("PEND-5"), alm)[0] == 201
        assert wait_for(lambda: [l for l in w3.lines() if "PEND-5" in l], 10), w3.lines()
        after = w3.lines()
        assert after[:len(before)] == before, (before, after)
        assert all("PEND-5" in l for l in after[len(before):]), after
        st, _, b = d.request("GET", "/api/v1/events?pending=yes", token=zonal)
        assert st == 400 and b"pending: 0 or 1" in b, (st, b)
    finally:
        cleanup(*ws, d)


# Desktop tests need the programs of tests/notify-env; without them they are
# left out (not counted), saying so.
_NEEDS = {
    "dunst": ["test_watch_breach_reaches_a_real_notification_server", "test_watch_in_kazakh_and_english",
              "test_watch_other_region_gets_nothing", "test_watch_hostile_text_is_escaped_and_cut",
              "test_watch_resumes_after_the_daemon_restarts",
              "test_acknowledge_button_on_the_desktop"],
    "notification-daemon": ["test_watch_in_kazakh_and_english"],
    "none": ["test_watch_without_a_notification_service_prints_alerts"],
    "hung": ["test_watch_keeps_reading_while_the_notification_server_hangs"],
}
for _server, _names in _NEEDS.items():
    if not have(_server):
        for _n in [n for n in _names if n in globals()]:
            del globals()[_n]
            print("skip test_watch.%s: tests/notify-env --check %s fails (install PKGS_TEST)"
                  % (_n, _server), flush=True)
