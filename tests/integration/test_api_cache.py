"""test_api_cache.py - the obligation lists nadzord keeps rendered (listcache.c)
are never stale and never another scope's: every change the writer commits,
and a new time zone on SIGHUP, shows in the very next list; users of other
regions asking the same query get their own rows; authentication still runs
on every request."""
import json
import os
import shutil
import signal
from datetime import datetime, timedelta, timezone

from harness import ROOT, Daemon, incident
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
