"""harness.py - a real nadzord on a free loopback port with a temporary database.

Every integration test drives the programs users run: bin/nadzord over HTTP
and bin/nadzor as a subprocess.  NADZOR_BIN picks the build (bin, or the
sanitizer build).
"""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, os.environ.get("NADZOR_BIN", "bin"))
DATA = os.path.join(ROOT, "tests", "data")
SANITIZED = os.environ.get("NADZOR_SANITIZED") == "1"
# make test-valgrind: every nadzord and nadzor the harness starts runs under
# memcheck, which writes one log per process into the test's directory
# (empty unless it found something: -q).
VALGRIND = os.environ.get("NADZOR_VALGRIND") == "1"
# Started as root, nadzord becomes the user 'nadzor'.  The tests run as root
# on databases in root's temporary directories, so they say 'user root'
# (tests/dev-root.conf), unless a test names a user itself.
DEV_ROOT_CONF = os.path.join(ROOT, "tests", "dev-root.conf")
AS_ROOT = os.geteuid() == 0


def stay_root_args():
    """--config for a nadzord run by hand as root without a config of its own."""
    return ["--config", DEV_ROOT_CONF] if AS_ROOT else []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def data(name):
    with open(os.path.join(DATA, name), "rb") as f:
        return f.read()


class Daemon:
    """One nadzord with its own directory, database and port."""

    def __init__(self, config=None, db=None, rules=None):
        self.dir = tempfile.mkdtemp(prefix="nadzor-it-")
        self.rules = rules or os.path.join(ROOT, "rules")
        self.db = db or os.path.join(self.dir, "nadzor.db")
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.config = None
        if config:
            self.config = os.path.join(self.dir, "nadzord.conf")
            with open(self.config, "w") as f:
                f.write("".join("%s %s\n" % kv for kv in config.items()))
        self.proc = None
        self.log = os.path.join(self.dir, "nadzord.log")

    def start(self, wait=True, env=None):
        args = [os.path.join(BIN, "nadzord"), "--db", self.db, "--listen",
                "127.0.0.1:%d" % self.port, "--rules", self.rules,
                "--foreground"]
        self.stay_root()
        if self.config:
            args += ["--config", self.config]
        self.logf = open(self.log, "ab")
        self.proc = subprocess.Popen(self.under_valgrind(args), stdout=self.logf, stderr=self.logf,
                                     env=dict(os.environ, **(env or {})))
        if wait:
            self.wait_ready()
        return self

    def stay_root(self):
        """As root, a config without 'user' gets 'user root' (see DEV_ROOT_CONF)."""
        if not AS_ROOT:
            return
        if self.config is None:
            self.config = os.path.join(self.dir, "nadzord.conf")
            open(self.config, "a").close()
        with open(self.config) as f:
            if any(line.split()[:1] == ["user"] for line in f):
                return
        with open(self.config, "a") as f:
            f.write("user root\n")

    def wait_ready(self, timeout=15):
        deadline = time.time() + timeout * (8 if VALGRIND else 1)
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("nadzord exited %d: %s" % (self.proc.returncode, self.logtext()))
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError("nadzord did not become ready: " + self.logtext())

    def logtext(self):
        with open(self.log, "rb") as f:
            return f.read().decode("utf-8", "replace")[-4000:]

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Stop the daemon; returns its exit status (None if it had to be killed)."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = None
        self.logf.close()
        if SANITIZED and "Sanitizer" in self.logtext():
            raise AssertionError("sanitizer report: " + self.logtext())
        return rc

    def kill9(self):
        self.proc.kill()
        self.proc.wait()
        self.logf.close()

    def under_valgrind(self, args):
        """args, run under memcheck when make test-valgrind asks."""
        if not VALGRIND:
            return args
        # --vgdb=no: a nadzord that drops root could not remove the pipes.
        return ["valgrind", "-q", "--error-exitcode=97", "--leak-check=full", "--vgdb=no",
                "--suppressions=" + os.path.join(ROOT, "tests", "valgrind.supp"),
                "--show-leak-kinds=definite,indirect",
                "--errors-for-leak-kinds=definite,indirect",
                "--log-file=" + os.path.join(self.dir, "valgrind.%p.log")] + args

    def valgrind_findings(self):
        """What memcheck reported for this test's processes ('' if nothing)."""
        out = ""
        for fn in sorted(os.listdir(self.dir)) if VALGRIND else []:
            if fn.startswith("valgrind.") and os.path.getsize(os.path.join(self.dir, fn)):
                with open(os.path.join(self.dir, fn), errors="replace") as f:
                    out += "== %s\n%s" % (fn, f.read()[:6000])
        return out

    def cleanup(self):
        self.stop()
        found = self.valgrind_findings()
        shutil.rmtree(self.dir, ignore_errors=True)
        if found:
            raise AssertionError("valgrind: " + found)

    def nadzor(self, *args, token=None, stdin=None, db=False):
        """Run the client; returns CompletedProcess with text output."""
        env = dict(os.environ, NADZOR_URL=self.url)
        env.pop("NADZOR_TOKEN", None)
        if token:
            env["NADZOR_TOKEN"] = token
        pre = ["--db", self.db] if db else []
        return subprocess.run(self.under_valgrind([os.path.join(BIN, "nadzor")] + pre + list(args)),
                              input=stdin, capture_output=True, env=env, timeout=120)

    def user(self, login, role, *regions):
        args = ["user", "add", login, "--role", role]
        for r in regions:
            args += ["--region", r]
        p = self.nadzor(*args, db=True)
        assert p.returncode == 0, p.stderr
        return p.stdout.decode().strip()

    def request(self, method, path, body=None, token=None, headers=None, timeout=30):
        """One HTTP request; (status, headers dict, body bytes)."""
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        if body is not None and "Content-Type" not in h:
            h["Content-Type"] = "application/xml"
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            c.close()

    def post(self, body, token):
        st, _, b = self.request("POST", "/api/v1/records", body, token)
        try:
            return st, json.loads(b)
        except ValueError:
            return st, {"raw": b}

    def raw(self, payload, timeout=5, read=True):
        """Send raw bytes on a fresh connection; the answer's bytes (until close)."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        try:
            s.sendall(payload)
            if not read:
                return b""
            out = b""
            while True:
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    break
                if not chunk:
                    break
                out += chunk
            return out
        finally:
            s.close()

    def alive(self):
        return self.proc.poll() is None and self.request("GET", "/healthz")[0] == 200

    def sql(self, query):
        """Read the database with sqlite3, as an operator would."""
        import sqlite3
        con = sqlite3.connect(self.db, timeout=10)
        try:
            return con.execute(query).fetchall()
        finally:
            con.close()


def status_of(raw):
    """The status code of a raw HTTP answer, or 0."""
    try:
        return int(raw.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


def incident(ref, region="KZ-75", occurred="2025-03-20T02:15:00+05:00",
             received="2025-03-20T02:40:00+05:00", category="self-harm", extra=""):
    """A minimal valid incident."""
    return ("""<incident xmlns="urn:nadzor:record:1"><ref>%s</ref><region>%s</region>"""
            """<facility kind="si-uis" code="SI-75-18">SI-18</facility><category>%s</category>"""
            """<occurred>%s</occurred><received>%s</received>%s</incident>"""
            % (ref, region, category, occurred, received, extra)).encode()
