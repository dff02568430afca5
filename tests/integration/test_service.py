"""test_service.py - nadzord as a systemd service: readiness told over
NOTIFY_SOCKET, priorities for the journal, root dropped for a user of its
own, and the unit file that `make install` puts in place."""
import configparser
import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid

from harness import AS_ROOT, BIN, ROOT, Daemon, incident

# A system user the privilege tests make, and remove: one per run, so two
# runs on one machine never share it.
TEST_USER = "nadzor-it-%d" % os.getpid()


class Notify:
    """The socket systemd listens on for sd_notify(3): an abstract unix
    datagram socket, so a daemon that dropped root may still reach it."""

    def __init__(self):
        name = "nadzor-it-notify-%d-%s" % (os.getpid(), uuid.uuid4().hex[:8])
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + name)
        self.env = {"NOTIFY_SOCKET": "@" + name}

    def next(self, timeout=15):
        """The next message as a dict of its KEY=VALUE lines."""
        self.sock.settimeout(timeout)
        text = self.sock.recv(4096).decode()
        return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)

    def close(self):
        self.sock.close()


def own_rules(d):
    """Give the daemon a copy of rules/ that a test may break."""
    d.rules = os.path.join(d.dir, "rules")
    shutil.copytree(os.path.join(ROOT, "rules"), d.rules)


def break_rules(d):
    with open(os.path.join(d.rules, "order-7-2015.xml"), "a") as f:
        f.write("<broken")


def test_readiness_reload_and_stop_are_told_to_systemd():
    n = Notify()
    d = Daemon()
    own_rules(d)
    try:
        d.start(wait=False, env=n.env)
        m = n.next()
        assert m.get("READY") == "1", m
        assert "serving http://127.0.0.1:%d" % d.port in m.get("STATUS", ""), m
        # Ready means serving: no waiting, no retrying.
        assert d.request("GET", "/healthz")[0] == 200
        d.proc.send_signal(signal.SIGHUP)
        m = n.next()
        assert m.get("RELOADING") == "1" and int(m["MONOTONIC_USEC"]) > 0, m
        m = n.next()
        assert m.get("READY") == "1" and "reloaded" in m["STATUS"], m
        # A broken rule file: the old rules stay, and nadzord is ready again.
        break_rules(d)
        d.proc.send_signal(signal.SIGHUP)
        assert n.next().get("RELOADING") == "1"
        m = n.next()
        assert m.get("READY") == "1" and "reload failed" in m["STATUS"], m
        assert d.alive()
        assert d.stop() == 0
        m = n.next(timeout=1)
        assert m.get("STOPPING") == "1", m
    finally:
        n.close()
        d.cleanup()


def proc_status(pid):
    """/proc/PID/status as a dict of its fields."""
    with open("/proc/%d/status" % pid) as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


@contextlib.contextmanager
def dedicated_user():
    """TEST_USER as a system user, made for the test if missing."""
    made = False
    try:
        pw = pwd.getpwnam(TEST_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                        "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin",
                        TEST_USER], check=True, capture_output=True)
        pw, made = pwd.getpwnam(TEST_USER), True
    try:
        yield pw
    finally:
        if made:
            subprocess.run(["userdel", TEST_USER], capture_output=True)


def test_started_as_root_becomes_the_dedicated_user():
    if not AS_ROOT:
        print("    (not root: nothing to drop)")
        return
    with dedicated_user() as pw:
        d = Daemon(config={"user": TEST_USER})
        os.chmod(d.dir, 0o755)
        own_rules(d)
        state = os.path.join(d.dir, "state")      # missing: made for the user
        d.db = os.path.join(state, "nadzor.db")
        try:
            d.start()
            st = os.stat(state)
            assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == (pw.pw_uid, pw.pw_gid, 0o750)
            # Every thread: real, effective, saved and filesystem ids.
            tasks = os.listdir("/proc/%d/task" % d.proc.pid)
            assert len(tasks) > 1, tasks
            for t in tasks:
                s = proc_status(int(t))
                assert s["Uid"].split() == [str(pw.pw_uid)] * 4, s["Uid"]
                assert s["Gid"].split() == [str(pw.pw_gid)] * 4, s["Gid"]
                assert s["Groups"].split() in ([], [str(pw.pw_gid)]), s["Groups"]
                assert int(s["CapEff"], 16) == 0 and int(s["CapPrm"], 16) == 0, s
            # It works; the client, run by root, leaves the files the user's.
            tok = d.user("alm", "region", "KZ-75")
            assert d.post(incident("DROP-1"), tok)[0] == 201
            assert d.request("GET", "/healthz")[0] == 200
            for f in os.listdir(state):
                assert os.stat(os.path.join(state, f)).st_uid == pw.pw_uid, f
            assert "running as root" not in d.logtext()
            assert d.stop() == 0
            # A database that root made is refused, in one line, not chowned.
            rootdb = os.path.join(d.dir, "rootdb")
            os.mkdir(rootdb)
            open(os.path.join(rootdb, "nadzor.db"), "wb").close()
            p = subprocess.run([os.path.join(BIN, "nadzord"), "--db",
                                os.path.join(rootdb, "nadzor.db"), "--listen",
                                "127.0.0.1:%d" % d.port, "--rules", d.rules, "--config",
                                d.config, "--foreground"], capture_output=True, timeout=20)
            err = p.stderr.decode().strip()
            assert p.returncode != 0 and len(err.splitlines()) == 1, err
            assert "belongs to root, not to %s" % TEST_USER in err, err
            assert os.stat(os.path.join(rootdb, "nadzor.db")).st_uid == 0
        finally:
            d.cleanup()


def test_started_as_root_without_the_user_refuses():
    if not AS_ROOT:
        print("    (not root: nothing to drop)")
        return
    d = Daemon(config={"user": "nadzor-no-such-user"})
    try:
        args = [os.path.join(BIN, "nadzord"), "--db", d.db, "--listen",
                "127.0.0.1:%d" % d.port, "--foreground"]
        p = subprocess.run(args + ["--config", d.config], capture_output=True, timeout=20)
        err = p.stderr.decode().strip()
        assert p.returncode != 0 and len(err.splitlines()) == 1, err
        assert "user nadzor-no-such-user does not exist" in err, err
        assert not os.path.exists(d.db)          # nothing was made as root
        # Without a config nadzord becomes 'nadzor': never root by default.
        try:
            pwd.getpwnam("nadzor")
        except KeyError:
            p = subprocess.run(args, capture_output=True, timeout=20)
            assert p.returncode != 0 and b"user nadzor does not exist" in p.stderr, p.stderr
    finally:
        d.cleanup()


def test_journal_stream_gets_priority_prefixes():
    d = Daemon()
    own_rules(d)
    try:
        open(d.log, "ab").close()
        st = os.stat(d.log)
        d.start(env={"JOURNAL_STREAM": "%d:%d" % (st.st_dev, st.st_ino)})
        break_rules(d)
        d.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while "<4>SIGHUP" not in d.logtext() and time.time() < deadline:
            time.sleep(0.05)
        assert d.stop() == 0
        lines = d.logtext().splitlines()
        assert any(re.match(r"<4>SIGHUP: .*the rules in force stay$", l) for l in lines), lines
        assert "<6>signal 15: finishing" in d.logtext() and "<6>stopped" in lines, lines
        if AS_ROOT:
            assert any(l.startswith("<4>running as root") for l in lines), lines
        for l in lines:     # stdout's one line has the journal's default priority
            assert re.match(r"<[0-7]>[a-zA-Z]", l) or l.startswith("nadzord: listening"), l
        # A start-up failure is an error; a stream of another file, plain.
        out = os.path.join(d.dir, "startup.log")
        for stream, want in ((None, b"<3>nadzord: --listen"), ("1:1", b"nadzord: --listen")):
            with open(out, "wb") as f:
                st = os.fstat(f.fileno())
                js = stream or "%d:%d" % (st.st_dev, st.st_ino)
                p = subprocess.run([os.path.join(BIN, "nadzord"), "--db", d.db,
                                    "--listen", "nonsense", "--foreground"], stderr=f,
                                   env=dict(os.environ, JOURNAL_STREAM=js), timeout=20)
            assert p.returncode != 0
            with open(out, "rb") as f:
                assert f.read().startswith(want), open(out, "rb").read()
    finally:
        d.cleanup()


def unit_directives(path):
    """The unit file's sections as dicts (systemd's syntax is ini-like)."""
    cp = configparser.ConfigParser(interpolation=None, strict=False,
                                   delimiters=("=",), comment_prefixes=("#", ";"))
    cp.optionxform = str
    cp.read(path)
    return cp


def test_unit_file_and_make_install():
    dest = tempfile.mkdtemp(prefix="nadzor-it-install-")
    binrel = os.environ.get("NADZOR_BIN", "bin")
    try:
        # Into a DESTDIR only; -o: install what the suite tests, build nothing.
        p = subprocess.run(["make", "-s", "--no-print-directory", "-C", ROOT, "install",
                            "DESTDIR=" + dest, "PREFIX=/usr/local",
                            "BUILD=" + os.environ.get("NADZOR_BUILD", "build"),
                            "BIN=" + binrel, "-o", binrel + "/nadzord",
                            "-o", binrel + "/nadzor"], capture_output=True, timeout=120)
        assert p.returncode == 0, p.stderr
        top = os.path.join(dest, "usr/local")
        for f in ("bin/nadzord", "bin/nadzor"):
            assert os.access(os.path.join(top, f), os.X_OK), f
        for f in ("share/nadzor/rules/order-7-2015.xml", "share/nadzor/rules/calendar-kz.xml",
                  "share/nadzor/reports/report-html.xsl", "share/doc/nadzor/README.md",
                  "share/locale/ru/LC_MESSAGES/nadzor.mo",
                  "share/locale/kk/LC_MESSAGES/nadzor.mo",
                  "share/locale/en/LC_MESSAGES/nadzor.mo"):
            assert os.path.isfile(os.path.join(top, f)), f
        unit = os.path.join(top, "lib/systemd/system/nadzord.service")
        u = unit_directives(unit)
        s = u["Service"]
        exe = s["ExecStart"].split()
        assert exe[0] == "/usr/local/bin/nadzord" and "--foreground" in exe, exe
        assert exe[exe.index("--db") + 1] == "/var/lib/nadzor/nadzor.db", exe
        assert exe[exe.index("--rules") + 1] == "/usr/local/share/nadzor/rules", exe
        assert "--listen" in exe
        want = {"Type": "notify", "StateDirectory": "nadzor", "ProtectSystem": "strict",
                "ProtectHome": "yes", "PrivateTmp": "yes", "PrivateDevices": "yes",
                "NoNewPrivileges": "yes", "ProtectKernelTunables": "yes",
                "ProtectKernelModules": "yes", "ProtectKernelLogs": "yes",
                "ProtectControlGroups": "yes", "RestrictNamespaces": "yes",
                "LockPersonality": "yes", "MemoryDenyWriteExecute": "yes",
                "SystemCallFilter": "@system-service", "CapabilityBoundingSet": "",
                "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
                "Restart": "on-failure", "User": "nadzor"}
        for k, v in want.items():
            assert s.get(k) == v, (k, s.get(k))
        assert s["ExecReload"].endswith("kill -HUP $MAINPID"), s["ExecReload"]
        assert re.fullmatch(r"\d+s?", s["TimeoutStopSec"]), s["TimeoutStopSec"]
        assert u["Install"]["WantedBy"] == "multi-user.target"
        analyze = shutil.which("systemd-analyze")
        if analyze is None:
            print("    (no systemd-analyze: directives checked only)")
            return
        # verify wants the programs named to exist: point it at DESTDIR's.
        vdir = os.path.join(dest, "verify")
        os.mkdir(vdir)
        with open(unit) as f, open(os.path.join(vdir, "nadzord.service"), "w") as g:
            g.write(f.read().replace("/usr/local/", top + "/"))
        p = subprocess.run([analyze, "verify", os.path.join(vdir, "nadzord.service")],
                           capture_output=True, timeout=60)
        assert p.returncode == 0 and p.stderr == b"" and p.stdout == b"", p.stderr + p.stdout
    finally:
        shutil.rmtree(dest, ignore_errors=True)
