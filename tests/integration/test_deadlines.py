"""test_deadlines.py - the deadline engine end to end: records whose times lie
in the past (a record logged late is a real case), a restart while duties fall
due, SIGHUP with good and broken rules, escalation and absences."""
import json
import os
import shutil
import signal
import sqlite3
import time
from datetime import datetime, timedelta, timezone

from harness import ROOT, VALGRIND, Daemon, incident

ALMATY = timezone(timedelta(hours=5))


def iso(dt):
    return dt.astimezone(ALMATY).isoformat(timespec="seconds")


def ago(**kw):
    return datetime.now(timezone.utc) - timedelta(**kw)


def obligations(d, tok, **q):
    qs = "&".join("%s=%s" % kv for kv in q.items())
    st, _, b = d.request("GET", "/api/v1/obligations?" + qs, token=tok)
    assert st == 200, (st, b)
    return json.loads(b)


def alerts(d, tok, oid=None):
    st, _, b = d.request("GET", "/api/v1/alerts", token=tok)
    assert st == 200, (st, b)
    return [a for a in json.loads(b) if oid is None or a["obligation"] == oid]


def one(d, tok, rule, ref):
    got = [o for o in obligations(d, tok, rule=rule) if o["record"] == ref]
    assert len(got) == 1, (rule, ref, got)
    return got[0]


def wait_for(cond, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.1)
    return cond()


def action(ref, target, rule, done, region="KZ-75", extra=""):
    return ("""<action xmlns="urn:nadzor:record:1" record="%s" rule="%s"><ref>%s</ref>"""
            """<region>%s</region><done>%s</done>%s</action>"""
            % (target, rule, ref, region, done, extra)).encode()


def full_incident(ref, occurred, received, region="KZ-75", category="self-harm"):
    extra = ("<place>cell 3</place><circumstances>c</circumstances><causes>c</causes>"
             "<aims>a</aims><methods>m</methods><instruments>i</instruments>"
             "<participants count=\"1\"><person role=\"participant\"><name>N</name>"
             "<status>convict</status><articles>UK 188</articles>"
             "<on-register>false</on-register></person></participants>")
    return incident(ref, region=region, occurred=occurred, received=received,
                    category=category, extra=extra)


def people(d):
    """A regional officer, a zonal officer of KZ-75 and a head."""
    return (d.user("alm", "region", "KZ-75"), d.user("zonal", "department", "KZ-75"),
            d.user("boss", "head"))


def test_late_record_is_overdue_on_arrival_and_alerted_at_once():
    d = Daemon().start()
    try:
        alm, zonal, boss = people(d)
        st, _ = d.post(incident("LATE-1", occurred=iso(ago(hours=5)),
                                received=iso(ago(hours=4))), alm)
        assert st == 201
        o = one(d, alm, "call-1h", "LATE-1")
        assert o["state"] == "overdue", o
        got = wait_for(lambda: [a for a in alerts(d, boss, o["id"]) if a["kind"] == "breach"])
        assert {a["recipient"] for a in got} == {"alm", "zonal"}, got
        assert not [a for a in alerts(d, boss, o["id"]) if a["kind"] == "warning"], \
            "warnings that were missed collapse into the breach"
        # The facility's own delay is kept as a finding.
        f = d.sql("SELECT seconds FROM finding WHERE kind='reporting-delay'")
        assert f and 3590 <= f[0][0] <= 3610, f
    finally:
        d.cleanup()


def test_every_record_rule_attaches_as_order_7_says():
    d = Daemon().start()
    try:
        alm, zonal, boss = people(d)
        dist = d.user("medeu", "district", "KZ-75")
        now = iso(ago(minutes=1))
        d.post(incident("SM-1", occurred=now, received=now, category="special-means"), alm)
        d.post(incident("TO-1", occurred=now, received=now, category="torture"), alm)
        d.post(incident("DI-1", occurred=now, received=now), dist)
        rules = lambda ref: sorted(o["rule"] for o in obligations(d, boss) if o["record"] == ref)
        assert rules("SM-1") == ["call-1h", "conclusion", "report-3h"], rules("SM-1")
        assert rules("TO-1") == ["call-1h", "report-3h", "torture-check"], rules("TO-1")
        assert rules("DI-1") == ["call-1h", "district-call-1h", "report-3h"], rules("DI-1")
        conc = one(d, alm, "conclusion", "SM-1")
        assert conc["due"] is None and conc["term"] == "no term", conc
        regime = ("""<special-regime xmlns="urn:nadzor:record:1"><ref>SR-1</ref><region>KZ-75</region>"""
                  """<facility kind="uis"/><received>%s</received><measures>m</measures></special-regime>"""
                  % now).encode()
        assert d.post(regime, alm)[0] == 201
        assert one(d, alm, "regime-1h", "SR-1")["term"] == "1 hour"
        npm = ("""<npm-violation xmlns="urn:nadzor:record:1"><ref>NPM-1</ref><region>KZ-75</region>"""
               """<established>%s</established><description>d</description></npm-violation>""" % now).encode()
        assert d.post(npm, alm)[0] == 201
        assert one(d, alm, "court-3wd", "NPM-1")["term"] == "3 working days"
        for cell, kind, item in (("ok", "si-uis", "25.8"), ("dizo", "uis", "34")):
            ref = "PL-" + item
            pl = ("""<placement xmlns="urn:nadzor:record:1"><ref>%s</ref><region>KZ-75</region>"""
                  """<facility kind="%s"/><cell>%s</cell><person><name>P</name></person>"""
                  """<decided>%s</decided><placed>%s</placed></placement>""" % (ref, kind, cell, now, now)).encode()
            assert d.post(pl, alm)[0] == 201, d.post(pl, alm)
            assert one(d, alm, "review-48h", ref)["item"] == item
    finally:
        d.cleanup()


def test_actions_settle_duties_on_time_late_or_not_at_all():
    d = Daemon().start()
    try:
        alm, zonal, boss = people(d)
        rec = ago(hours=3, minutes=30)
        d.post(full_incident("ACT-1", iso(rec - timedelta(minutes=10)), iso(rec)), alm)
        d.post(action("ACT-1-C", "ACT-1", "call-1h", iso(rec + timedelta(minutes=20))), alm)
        d.post(action("ACT-1-R", "ACT-1", "report-3h", iso(rec + timedelta(hours=3, minutes=5))), alm)
        assert one(d, alm, "call-1h", "ACT-1")["state"] == "met"
        r = one(d, alm, "report-3h", "ACT-1")
        assert r["state"] == "late" and r["done"] is not None, r
        # A report on an incident lacking п. 17 content does not fulfil it.
        d.post(incident("ACT-2", occurred=iso(ago(minutes=30)), received=iso(ago(minutes=20))), alm)
        d.post(action("ACT-2-R", "ACT-2", "report-3h", iso(ago(minutes=5))), alm)
        r = one(d, alm, "report-3h", "ACT-2")
        assert r["state"] == "open" and "causes" in r["missing"] and "lacks" in r["note"], r
        # An action that arrives before its incident settles it on arrival.
        t = ago(minutes=40)
        d.post(action("ACT-3-C", "ACT-3", "call-1h", iso(t + timedelta(minutes=10))), alm)
        d.post(incident("ACT-3", occurred=iso(t - timedelta(minutes=5)), received=iso(t)), alm)
        assert one(d, alm, "call-1h", "ACT-3")["state"] == "met"
    finally:
        d.cleanup()


def test_warning_then_breach_never_early():
    d = Daemon().start()
    try:
        alm, zonal, boss = people(d)
        # received 59m57s ago: both warnings have passed, the breach is 3 s away.
        t = datetime.now(timezone.utc) - timedelta(minutes=59, seconds=57)
        st, body = d.post(incident("NEAR-1", occurred=iso(t), received=iso(t)), alm)
        assert st == 201, body
        o = one(d, alm, "call-1h", "NEAR-1")
        due = datetime.fromisoformat(o["due"])
        w = wait_for(lambda: [a for a in alerts(d, boss, o["id"]) if a["kind"] == "warning"], 3)
        assert len(w) == 2 and {a["recipient"] for a in w} == {"alm", "zonal"}, \
            "one warning per recipient, the latest of those missed: %r" % w
        b = wait_for(lambda: [a for a in alerts(d, boss, o["id"]) if a["kind"] == "breach"], 10)
        assert b, "no breach after the due time"
        for a in b:
            assert datetime.fromisoformat(a["at"]) >= due, ("breach fired early", a, o["due"])
        assert one(d, alm, "call-1h", "NEAR-1")["state"] == "overdue"
    finally:
        d.cleanup()


def test_restart_fires_what_fell_due_while_down_exactly_once():
    d = Daemon().start()
    try:
        alm, zonal, boss = people(d)
        t = datetime.now(timezone.utc) - timedelta(minutes=59, seconds=58)
        d.post(incident("DOWN-1", occurred=iso(t), received=iso(t)), alm)
        oid = one(d, alm, "call-1h", "DOWN-1")["id"]
        assert d.stop() == 0
        time.sleep(3)                     # the due time passes while down
        d.start()
        b = wait_for(lambda: [a for a in alerts(d, boss, oid) if a["kind"] == "breach"])
        assert len(b) == 2, b
        d.stop()
        d.start()
        time.sleep(1)
        n = d.sql("SELECT count(*) FROM alert WHERE obligation=%d" % oid)[0][0]
        assert n == len(alerts(d, boss, oid)) and \
            len([a for a in alerts(d, boss, oid) if a["kind"] == "breach"]) == 2, \
            "a restart must not fire again"
    finally:
        d.cleanup()


def test_escalation_when_no_zonal_officer_is_present():
    d = Daemon().start()
    try:
        alm = d.user("alm", "region", "KZ-75")
        zonal = d.user("zonal", "department", "KZ-75")
        boss = d.user("boss", "head")
        d.user("other-head", "head", "KZ-19")      # not this region's head
        sub = d.user("deputy", "department", "KZ-75")
        p = d.nadzor("user", "absent", "zonal", "--until", "2099-12-31", "--substitute", "deputy", db=True)
        assert p.returncode == 0, p.stderr
        p = d.nadzor("user", "absent", "deputy", "--until", "2099-12-31", db=True)
        assert p.returncode == 0, p.stderr
        d.post(incident("ESC-1", occurred=iso(ago(minutes=70)), received=iso(ago(minutes=65))), alm)
        oid = one(d, alm, "call-1h", "ESC-1")["id"]
        got = wait_for(lambda: alerts(d, boss, oid))
        kinds = {(a["kind"], a["recipient"]) for a in got}
        assert ("breach", "alm") in kinds and ("escalation", "boss") in kinds, kinds
        assert not any(r in ("zonal", "deputy", "other-head") for k, r in kinds), kinds
        del sub
    finally:
        d.cleanup()


def test_substitute_gets_the_absent_officers_alerts():
    d = Daemon().start()
    try:
        alm, zonal, boss = people(d)
        d.user("deputy", "department", "KZ-75")
        assert d.nadzor("user", "absent", "zonal", "--until", "2099-01-01",
                        "--substitute", "deputy", db=True).returncode == 0
        d.post(incident("SUB-1", occurred=iso(ago(minutes=62)), received=iso(ago(minutes=61))), alm)
        oid = one(d, alm, "call-1h", "SUB-1")["id"]
        got = wait_for(lambda: [a for a in alerts(d, boss, oid) if a["kind"] == "breach"])
        assert {a["recipient"] for a in got} == {"alm", "deputy"}, got
    finally:
        d.cleanup()


def test_periodic_duties_for_every_region():
    d = Daemon().start()
    try:
        boss = d.user("boss", "head")
        monthly = [o for o in obligations(d, boss, rule="monthly-info")]
        regions = {o["region"] for o in monthly}
        assert len(regions) >= 20 and "KZ-75" in regions and "KZ-62" in regions, regions
        now = datetime.now(timezone.utc)
        cur = "%04d-%02d" % (now.year, now.month)
        assert any(o["period"] == cur for o in monthly), cur
        for rule in ("quarterly-district", "quarterly-region", "halfyear", "annual"):
            assert obligations(d, boss, rule=rule), rule
        # Restarting generates nothing twice.
        n = d.sql("SELECT count(*) FROM obligation WHERE period IS NOT NULL")[0][0]
        d.stop()
        d.start()
        assert d.sql("SELECT count(*) FROM obligation WHERE period IS NOT NULL")[0][0] == n
        # A periodic duty is settled by an action naming its period.
        alm = d.user("alm", "region", "KZ-75")
        st, _ = d.post(action("MI-%s" % cur, cur, "monthly-info", iso(ago(minutes=1))), alm)
        assert st == 201
        o = [o for o in obligations(d, alm, rule="monthly-info") if o["period"] == cur][0]
        assert o["state"] == "met", o
    finally:
        d.cleanup()


def with_own_rules():
    """A daemon (not started) on a copy of rules/ the test may edit."""
    d = Daemon()
    tmp = os.path.join(d.dir, "rules")
    shutil.copytree(os.path.join(ROOT, "rules"), tmp)
    d.rules = tmp
    return d, tmp


def test_sighup_broken_rules_keep_old_good_calendar_recomputes():
    d, tmp = with_own_rules()
    d.start()
    try:
        alm, zonal, boss = people(d)
        # An NPM violation established today: 3 working days.
        today = datetime.now(ALMATY)
        npm = ("""<npm-violation xmlns="urn:nadzor:record:1"><ref>NPM-H</ref><region>KZ-75</region>"""
               """<established>%s</established><description>d</description></npm-violation>"""
               % iso(ago(minutes=1))).encode()
        assert d.post(npm, alm)[0] == 201
        before = one(d, alm, "court-3wd", "NPM-H")
        # 1. A broken rule file: the rules in force stay.
        bad = os.path.join(tmp, "zz-broken.xml")
        with open(bad, "w") as f:
            f.write('<ruleset xmlns="urn:nadzor:rules:1" id="x"><rule')
        d.proc.send_signal(signal.SIGHUP)
        assert wait_for(lambda: "rules in force stay" in d.logtext(), 5), d.logtext()
        assert "zz-broken.xml" in d.logtext()
        assert one(d, alm, "court-3wd", "NPM-H")["due"] == before["due"]
        os.unlink(bad)
        # 2. A new day off on the next working day: the open duty moves a day.
        day = today.date() + timedelta(days=1)
        while True:
            cal = os.path.join(tmp, "calendar-kz.xml")
            text = open(cal).read()
            if day.weekday() < 5 and day.isoformat() not in text:
                break
            day += timedelta(days=1)
        text = text.replace("</transfers>", '<day-off date="%s" reason="test decree"/></transfers>'
                            % day.isoformat(), 1)
        assert "test decree" in text, "the calendar has no <transfers> element to extend"
        with open(cal, "w") as f:
            f.write(text)
        d.proc.send_signal(signal.SIGHUP)
        moved = wait_for(lambda: one(d, alm, "court-3wd", "NPM-H")["due"] != before["due"], 5)
        after = one(d, alm, "court-3wd", "NPM-H")
        assert moved, (before["due"], after["due"], d.logtext())
        assert datetime.fromisoformat(after["due"]) - datetime.fromisoformat(before["due"]) \
            >= timedelta(days=1)
        st, _, b = d.request("GET", "/api/v1/obligations/%d" % after["id"], token=alm)
        assert "test decree" in json.loads(b)["explanation"], json.loads(b)["explanation"]
    finally:
        d.cleanup()


def test_obligations_scoped_waived_with_reason_and_explained():
    d = Daemon().start()
    try:
        alm, zonal, boss = people(d)
        other = d.user("shym", "region", "KZ-79")
        d.post(incident("SC-1", occurred=iso(ago(minutes=5)), received=iso(ago(minutes=4))), alm)
        d.post(incident("SC-0", occurred=iso(ago(hours=5)), received=iso(ago(hours=4))), alm)
        o = one(d, alm, "call-1h", "SC-1")
        assert not [x for x in obligations(d, other) if x["record"] == "SC-1"]
        assert d.request("GET", "/api/v1/obligations/%d" % o["id"], token=other)[0] == 404
        assert d.request("GET", "/api/v1/obligations?state=bogus", token=alm)[0] == 400
        assert wait_for(lambda: alerts(d, boss)) and not alerts(d, other), \
            "alerts of KZ-75 shown to a KZ-79 user"
        p = d.nadzor("explain", str(o["id"]), token=alm)
        out = p.stdout.decode()
        assert p.returncode == 0 and "1 hour on the clock" in out and "Due:" in out, out
        p = d.nadzor("obligations", "--due-within", "2h", token=alm)
        assert p.returncode == 0 and "SC-1" in p.stdout.decode(), p.stdout
        assert d.nadzor("waive", str(o["id"]), "--reason", "x", token=alm).returncode == 3
        st, _, _ = d.request("POST", "/api/v1/obligations/%d/waive" % o["id"], body=b"",
                             token=boss, headers={"Content-Type": "text/plain"})
        assert st == 400
        p = d.nadzor("waive", str(o["id"]), "--reason", "reported twice by two offices", token=boss)
        assert p.returncode == 0, p.stderr
        o = one(d, alm, "call-1h", "SC-1")
        assert o["state"] == "waived" and o["waived_reason"] == "reported twice by two offices"
        assert d.sql("SELECT count(*) FROM audit WHERE action='obligation.waive'")[0][0] == 1
        assert d.nadzor("waive", str(o["id"]), "--reason", "again", token=boss).returncode == 1
    finally:
        d.cleanup()


def test_records_are_judged_by_the_rule_set_in_force_when_they_happened():
    """A successor set from 2026-01-01 doubles call-1h's term: an incident of
    2025 keeps one hour, an incident of 2026 gets two."""
    d = Daemon()
    tmp = os.path.join(d.dir, "rules")
    shutil.copytree(os.path.join(ROOT, "rules"), tmp)
    old = os.path.join(tmp, "order-7-2015.xml")
    text = open(old).read()
    open(old, "w").write(text.replace('valid-from="2015-01-06"',
                                      'valid-from="2015-01-06" valid-until="2026-01-01"', 1))
    new = text.replace('id="order-7-2015"', 'id="successor-2026"', 1) \
              .replace('valid-from="2015-01-06"', 'valid-from="2026-01-01"', 1)
    i = new.index('id="call-1h"')
    j = new.index("</rule>", i)
    new = new[:i] + new[i:j].replace('hours="1"', 'hours="2"', 1) + new[j:]
    open(os.path.join(tmp, "successor-2026.xml"), "w").write(new)
    d.rules = tmp
    d.start()
    try:
        alm, zonal, boss = people(d)
        d.post(incident("Y2025", occurred="2025-12-31T23:00:00+05:00",
                        received="2025-12-31T23:30:00+05:00"), alm)
        d.post(incident("Y2026", occurred="2026-01-01T00:30:00+05:00",
                        received="2026-01-01T00:40:00+05:00"), alm)
        a, b = one(d, alm, "call-1h", "Y2025"), one(d, alm, "call-1h", "Y2026")
        assert (a["ruleset"], a["term"]) == ("order-7-2015", "1 hour"), a
        assert (b["ruleset"], b["term"]) == ("successor-2026", "2 hours"), b
        assert b["due"] == "2026-01-01T02:40:00+05:00", b
    finally:
        d.cleanup()


def call_1h_hours(rules_dir, hours):
    """Set the term of call-1h in rules_dir's order-7 file."""
    path = os.path.join(rules_dir, "order-7-2015.xml")
    text = open(path).read()
    at = text.index('<rule id="call-1h"')
    end = text.index("</rule>", at)
    rule = text[at:end]
    assert '<term hours="1"/>' in rule or '<term hours="2"/>' in rule, rule
    rule = rule.replace('<term hours="1"/>', '<term hours="%d"/>' % hours) \
               .replace('<term hours="2"/>', '<term hours="%d"/>' % hours)
    with open(path, "w") as f:
        f.write(text[:at] + rule + text[end:])


def log_since(d, offset):
    """The daemon's log from byte offset on (logtext() keeps only the tail)."""
    with open(d.log, "rb") as f:
        f.seek(offset)
        return f.read().decode("utf-8", "replace")


def meta(d):
    return dict(d.sql("SELECT key, value FROM meta"))


def test_two_triggers_during_a_recompute_run_one_chain():
    """A SIGHUP with new rules starts the recompute of every open duty, in
    chunks of 5,000; a second SIGHUP while it runs only asks for one more
    run at its end.  One chain walks every duty once, says so in one line,
    and leaves each duty on the new term."""
    d, tmp = with_own_rules()
    d.start(env={"NADZOR_DEBUG": "1"})
    try:
        alm = d.user("alm", "region", "KZ-75")
        when, recv = iso(ago(minutes=2)), iso(ago(minutes=1))
        n = 6000 if VALGRIND else 12000     # two duties each: several chunks
        for i in range(0, n, 1000):
            body = b"".join(incident("CH-%05d" % k, occurred=when, received=recv)
                            for k in range(i, i + 1000))
            st, b = d.post(b'<batch xmlns="urn:nadzor:record:1">' + body + b"</batch>", alm)
            assert st == 201, (st, b)
        live = "state IN ('open', 'overdue')"
        total = d.sql("SELECT count(*) FROM obligation WHERE " + live)[0][0]
        calls = d.sql("SELECT count(*) FROM obligation WHERE rule = 'call-1h' AND " + live)[0][0]
        assert calls == n and total > 10000, (calls, total)
        law_before = meta(d)["law"]
        call_1h_hours(tmp, 2)
        mark = os.path.getsize(d.log)
        d.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while "maintenance started" not in log_since(d, mark) and time.time() < deadline:
            time.sleep(0.002)
        d.proc.send_signal(signal.SIGHUP)
        done = lambda: "open duties recomputed" in log_since(d, mark) and \
            log_since(d, mark).count("maintenance started") == 2
        assert wait_for(done, 60), log_since(d, mark)
        time.sleep(0.5)         # the second run's commit
        text = log_since(d, mark)
        # The second trigger came while the chain ran: folded into it.
        assert "maintenance under way: once more at its end" in text, text
        lines = [l for l in text.splitlines() if "open duties recomputed" in l]
        assert len(lines) == 1, lines
        chunks = -(-total // 5000)
        assert lines[0].endswith("rules or calendar changed: %d open duties recomputed "
                                 "in %d transactions" % (calls, chunks)), (lines, total)
        # The second run came after the chain's end, and found nothing to do.
        assert text.index(lines[0]) < text.rindex("maintenance started"), text
        # Complete: every call-1h duty on the new term, the law applied,
        # no recompute left half done.
        assert d.sql("SELECT count(*) FROM obligation WHERE rule = 'call-1h' AND " + live +
                     " AND due - starts != 7200")[0][0] == 0
        m = meta(d)
        assert m["law"] != law_before and "recompute" not in m, m
    finally:
        d.cleanup()


def test_recompute_cut_short_resumes_from_the_kept_cursor():
    """A restart in the middle of a recompute resumes after the last duty
    its commit recorded, under the same law: from the one meta key, and from
    the two keys nadzord kept before (recompute_law, recompute_from), which
    are then dropped."""
    base, tmp = with_own_rules()
    base.start()
    try:
        alm = base.user("alm", "region", "KZ-75")
        for k in range(4):
            assert base.post(incident("CUT-%d" % k, occurred=iso(ago(minutes=2)),
                                      received=iso(ago(minutes=1))), alm)[0] == 201
        assert base.stop() == 0
        resume_from_kept_cursor(base, tmp)
    finally:
        base.cleanup()


def resume_from_kept_cursor(base, tmp):
    call_1h_hours(tmp, 2)
    # The digest of the new law, as a daemon on a copy of the file keeps it.
    probe = Daemon(rules=tmp)
    shutil.copy(base.db, probe.db)
    probe.start()
    try:
        assert wait_for(lambda: meta(probe)["law"] != meta(base)["law"], 10)
        newlaw = meta(probe)["law"]
    finally:
        probe.cleanup()
    ids = [r[0] for r in base.sql("SELECT id FROM obligation WHERE rule = 'call-1h' ORDER BY id")]
    assert len(ids) == 4, ids
    for old_keys in (True, False):
        d = Daemon(rules=tmp)
        shutil.copy(base.db, d.db)
        con = sqlite3.connect(d.db)
        if old_keys:
            con.execute("INSERT INTO meta VALUES ('recompute_law', ?), ('recompute_from', ?)",
                        (newlaw, str(ids[1])))
        else:
            con.execute("INSERT INTO meta VALUES ('recompute', ?)", ("%s %d" % (newlaw, ids[1]),))
        con.commit()
        con.close()
        d.start()
        try:
            assert wait_for(lambda: meta(d)["law"] == newlaw, 10), d.logtext()
            terms = dict(d.sql("SELECT id, due - starts FROM obligation WHERE rule = 'call-1h'"))
            # Those up to the cursor were done before the restart.
            assert [terms[i] for i in ids] == [3600, 3600, 7200, 7200], (old_keys, terms)
            m = meta(d)
            assert not {"recompute", "recompute_law", "recompute_from"} & set(m), m
            assert "rules or calendar changed: 2 open duties recomputed in 1 transaction\n" \
                in d.logtext(), d.logtext()
        finally:
            d.cleanup()
