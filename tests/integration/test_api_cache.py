"""test_api_cache.py - the obligation lists nadzord keeps rendered (listcache.c)
are never stale and never another scope's: every change the writer commits,
and a new time zone on SIGHUP, shows in the very next list; users of other
regions asking the same query get their own rows; authentication still runs
on every request."""
import itertools
import json
import os
import shutil
import signal
from datetime import datetime, timedelta, timezone

from harness import ROOT, Daemon, data, incident
from test_deadlines import action, ago, alerts, iso, wait_for


def raw_list(d, tok, q=""):
    st, _, b = d.request("GET", "/api/v1/obligations?" + q, token=tok)
    assert st == 200, (st, b)
    return b


def listing(d, tok, q=""):
    """The list, asked twice: the second answer comes from the cache and
    must be the first byte for byte."""
    a, b = raw_list(d, tok, q), raw_list(d, tok, q)
    assert a == b, (q, a[:200], b[:200])
    return json.loads(a)


def find(rows, ref, rule):
    return [o for o in rows if o["record"] == ref and o["rule"] == rule]


def test_a_cached_list_shows_every_change_at_once():
    d = Daemon().start()
    try:
        alm = d.user("alm", "region", "KZ-75")
        boss = d.user("boss", "head")
        assert not find(listing(d, alm, "state=open"), "C-1", "call-1h")
        # A record: its duties, in every list that holds them.
        t = ago(minutes=20)
        st, body = d.post(incident("C-1", occurred=iso(t - timedelta(minutes=5)),
                                   received=iso(t)), alm)
        assert st == 201, body
        assert find(listing(d, alm, "state=open"), "C-1", "call-1h")
        assert find(listing(d, alm), "C-1", "report-3h")[0]["state"] == "open"
        # An action that settles a duty.
        st, body = d.post(action("C-1-A", "C-1", "call-1h", iso(ago(minutes=1))), alm)
        assert st == 201, body
        assert not find(listing(d, alm, "state=open"), "C-1", "call-1h")
        assert find(listing(d, alm), "C-1", "call-1h")[0]["state"] == "met"
        assert find(listing(d, alm, "state=met"), "C-1", "call-1h")
        # A waiver.
        oid = find(listing(d, alm), "C-1", "report-3h")[0]["id"]
        st, _, b = d.request("POST", "/api/v1/obligations/%d/waive" % oid, body=b"twice",
                             token=boss, headers={"Content-Type": "text/plain"})
        assert st == 200, b
        o = find(listing(d, alm), "C-1", "report-3h")[0]
        assert (o["state"], o["waived_reason"]) == ("waived", "twice"), o
        assert not find(listing(d, alm, "state=open"), "C-1", "report-3h")
        # The scheduler: a duty falls due.  Its breach alert is written in
        # the same transaction as the new state, so once the (uncached)
        # alerts show it, every list must say overdue.
        t = datetime.now(timezone.utc) - timedelta(minutes=59, seconds=57)
        st, body = d.post(incident("NEAR-1", occurred=iso(t), received=iso(t)), alm)
        assert st == 201, body
        o = find(listing(d, alm, "state=open"), "NEAR-1", "call-1h")[0]
        assert find(listing(d, alm, "rule=call-1h"), "NEAR-1", "call-1h")[0]["state"] == "open"
        assert wait_for(lambda: [a for a in alerts(d, boss, o["id"]) if a["kind"] == "breach"])
        assert find(listing(d, alm, "rule=call-1h"), "NEAR-1", "call-1h")[0]["state"] == "overdue"
        assert find(listing(d, alm, "state=overdue"), "NEAR-1", "call-1h")
        assert not find(listing(d, alm, "state=open"), "NEAR-1", "call-1h")
    finally:
        d.cleanup()


def test_same_query_other_scope_gets_its_own_rows():
    d = Daemon().start()
    try:
        alm = d.user("alm", "region", "KZ-75")
        medeu = d.user("medeu", "district", "KZ-75")     # the same region, another role
        shym = d.user("shym", "region", "KZ-79")
        zonal = d.user("zonal", "department", "KZ-75", "KZ-79")
        boss = d.user("boss", "head")
        for ref, region, tok in (("S-75", "KZ-75", alm), ("S-79", "KZ-79", shym)):
            st, body = d.post(incident(ref, region=region), tok)
            assert st == 201, body
        refs = lambda tok, q="rule=call-1h&limit=100": {o["record"] for o in listing(d, tok, q)}
        for _ in range(2):
            assert refs(alm) == {"S-75"} and refs(medeu) == {"S-75"}
            assert refs(shym) == {"S-79"}
            assert refs(zonal) == {"S-75", "S-79"} and refs(boss) == {"S-75", "S-79"}
        # Asking for another region by name finds nothing, cached or not.
        assert listing(d, alm, "region=KZ-79") == []
        assert {o["region"] for o in listing(d, shym)} == {"KZ-79"}
        # Authentication comes before the cache: a user shut out, a wrong
        # token or none are refused though the list is kept.
        assert d.nadzor("user", "disable", "medeu", db=True).returncode == 0
        assert d.request("GET", "/api/v1/obligations?rule=call-1h&limit=100",
                         token=medeu)[0] == 401
        assert d.request("GET", "/api/v1/obligations?rule=call-1h&limit=100",
                         token=alm[:-1] + ("A" if alm[-1] != "A" else "B"))[0] == 401
        assert d.request("GET", "/api/v1/obligations?rule=call-1h&limit=100")[0] == 401
        assert refs(alm) == {"S-75"}
    finally:
        d.cleanup()


def test_a_new_time_zone_shows_at_once_after_sighup():
    """Times are written in the region's offset: a calendar that moves the
    region to another zone changes every list, database change or not."""
    d = Daemon()
    tmp = os.path.join(d.dir, "rules")
    shutil.copytree(os.path.join(ROOT, "rules"), tmp)
    d.rules = tmp
    d.start()
    try:
        alm = d.user("alm", "region", "KZ-75")
        st, body = d.post(incident("TZ-1"), alm)        # received 2025-03-20T02:40+05:00
        assert st == 201, body
        assert find(listing(d, alm, "rule=call-1h"), "TZ-1", "call-1h")[0]["due"] == \
            "2025-03-20T03:40:00+05:00"
        cal = os.path.join(tmp, "calendar-kz.xml")
        text = open(cal).read()
        old = 'code="KZ-75" tz="Asia/Almaty"'
        assert old in text
        with open(cal, "w") as f:
            f.write(text.replace(old, 'code="KZ-75" tz="Asia/Tokyo"'))
        d.proc.send_signal(signal.SIGHUP)
        assert wait_for(lambda: "calendar reloaded" in d.logtext(), 5), d.logtext()
        assert find(listing(d, alm, "rule=call-1h"), "TZ-1", "call-1h")[0]["due"] == \
            "2025-03-20T07:40:00+09:00"
    finally:
        d.cleanup()


def health(d):
    st, _, b = d.request("GET", "/healthz")
    assert st == 200, (st, b)
    return json.loads(b)


FRESH_LIMITS = itertools.count(100)      # a query no list was kept for


def served_across(d, tok, between, jobs=None):
    """Render a list, run between() (which gives the writer jobs jobs),
    ask for the list again: 1 if that answer came from the cache, 0 if it
    was rendered anew.  Given jobs, counted only over a window in which the
    writer ran nothing else (the scheduler's start-up maintenance may
    commit meanwhile, and rightly drop the lists): such a window is tried
    again, with a new query each time so the first ask is always a
    render."""
    for _ in range(50):
        q = "rule=call-1h&limit=%d" % next(FRESH_LIMITS)
        before = health(d)
        raw_list(d, tok, q)
        between()
        raw_list(d, tok, q)
        after = health(d)
        if jobs is None or after["jobs"] - before["jobs"] == jobs + 1:
            return after["lists_served"] - before["lists_served"]
    raise AssertionError("the writer never stood still: %r" % after)


def test_probes_and_audited_reads_keep_the_lists():
    """Only a commit that may change what a list shows drops the lists kept.
    A /healthz probe writes a row of its own, and a read of a record naming
    a person writes an audit entry, both through the writer: neither may
    make the next list a render.  /healthz counts the answers sent from the
    cache (lists_served); a new record still shows in the very next list."""
    d = Daemon().start()
    try:
        alm = d.user("alm", "region", "KZ-75")
        # The sample incident (it names a person), received a minute ago:
        # nothing falls due while the test runs.
        rec = data("incident.xml").replace(b"2025-03-20T02:15:00+05:00",
                                           iso(ago(minutes=5)).encode())
        rec = rec.replace(b"2025-03-20T02:40:00+05:00", iso(ago(minutes=1)).encode())
        st, body = d.post(rec, alm)
        assert st == 201, body
        rid = body["records"][0]["id"]
        h = health(d)
        assert h["commits"] >= 1 and "lists_kept" in h, h
        # A probe between two lists: it writes, and keeps them.
        assert served_across(d, alm, lambda: health(d), 1) == 1, \
            "a /healthz probe dropped the lists"
        # An audited read (person.read) between two lists.
        audited = d.sql("SELECT count(*) FROM audit WHERE action = 'person.read'")[0][0]

        def read():
            st, _, b = d.request("GET", "/api/v1/records/%d" % rid, token=alm)
            assert st == 200, b
        assert served_across(d, alm, read, 1) == 1, "an audited read dropped the lists"
        assert d.sql("SELECT count(*) FROM audit WHERE action = 'person.read'")[0][0] > audited
        # A record is a change a list shows: never kept across it.
        n = [0]

        def post():
            n[0] += 1
            st, _ = d.post(incident("KEEP-%d" % n[0], occurred=iso(ago(minutes=5)),
                                    received=iso(ago(minutes=1))), alm)
            assert st == 201
        assert served_across(d, alm, post) == 0, "a new record left a list kept"
        assert find(listing(d, alm, "rule=call-1h"), "KEEP-%d" % n[0], "call-1h")
    finally:
        d.cleanup()


def test_a_list_over_its_deadline_is_stopped():
    """The indexes keep a list to the rows it returns; should a plan ever
    lose one, list_timeout_ms stops the list instead of the event loop: 503
    saying so, nothing kept, and the daemon answers on.  Here the deadline
    is 1 ms and the list 10,000 rows."""
    d = Daemon(config={"list_timeout_ms": 1})
    d.start()
    try:
        boss = d.user("boss", "head")
        d.stop()
        import sqlite3
        con = sqlite3.connect(d.db)
        con.executemany(
            "INSERT INTO obligation (key, rule, item, ruleset, ruleset_version, action,"
            " region, actor, start_event, starts, due, term, explain, state, created)"
            " VALUES (?, 'call-1h', '23', 'kz', '1', 'a', 'KZ-75', 'region', 'received',"
            " 0, ?, '1h', 'seeded', 'met', 0)",
            (("seed/%d" % i, 1700000000 + i) for i in range(12000)))
        con.commit()
        con.close()
        d.start()
        for _ in range(2):                      # never kept: asked again, stopped again
            st, _, b = d.request("GET", "/api/v1/obligations?limit=10000", token=boss)
            assert st == 503, (st, b[:200])
            msg = json.loads(b)["error"]
            assert "longer than 1 ms" in msg and "limit" in msg, msg
        assert health(d)["lists_kept"] == 0
        assert d.alive()
    finally:
        d.cleanup()

