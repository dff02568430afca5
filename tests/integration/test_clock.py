"""test_clock.py - clock steps for the daemon alone (libfaketime, never the
machine's clock): a deadline passed by a step forward fires once, none fires
early, and a step back fires nothing again."""
import os
import time

from harness import Daemon, incident
from test_deadlines import ago, alerts, iso, one, people, wait_for

LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"


def step(path, offset):
    with open(path, "w") as f:
        f.write(offset + "\n")


def test_clock_steps_forward_and_back():
    d = Daemon()
    clock = os.path.join(d.dir, "clock")
    step(clock, "+0")
    env = {"LD_PRELOAD": LIB, "FAKETIME_TIMESTAMP_FILE": clock,
           "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
           # libfaketime comes before the sanitizer runtime in the sanitized build
           "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"}
    d.start(env=env)
    try:
        alm, zonal, boss = people(d)
        # Due in 50 minutes: nothing may fire now.
        d.post(incident("CLK-1", occurred=iso(ago(minutes=11)), received=iso(ago(minutes=10))), alm)
        oid = one(d, alm, "call-1h", "CLK-1")["id"]
        time.sleep(1)
        assert not alerts(d, boss, oid), "an alert before its time"
        # Two hours forward: the 50 % and 15-minute warnings and the breach
        # all lie in the jump; only the breach fires, once per recipient.
        step(clock, "+2h")
        got = wait_for(lambda: [a for a in alerts(d, boss, oid) if a["kind"] == "breach"], 10)
        assert {a["recipient"] for a in got} == {"alm", "zonal"}, got
        assert not [a for a in alerts(d, boss, oid) if a["kind"] == "warning"]
        assert one(d, alm, "call-1h", "CLK-1")["state"] == "overdue"
        n = len(alerts(d, boss, oid))
        # Back to the real time, then forward again: nothing fires twice.
        step(clock, "+0")
        time.sleep(6)
        step(clock, "+2h")
        time.sleep(6)
        breaches = [a for a in alerts(d, boss, oid) if a["kind"] == "breach"]
        assert len(breaches) == 2, breaches
        # The escalation (15 minutes after the breach) is also in the jump.
        assert len(alerts(d, boss, oid)) >= n
        step(clock, "+0")
    finally:
        d.cleanup()


if not os.path.exists(LIB):
    # make test installs faketime; without it the test is not run (not counted).
    print("skip test_clock: libfaketime is not installed (Debian package faketime)")
    del test_clock_steps_forward_and_back
