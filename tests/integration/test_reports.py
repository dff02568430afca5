"""test_reports.py - the Department's analyses (п. 65-67): a data set whose every
figure is known by hand, read back as XML, CSV and HTML, beside the same period
of the previous year, with region scoping, deadline compliance and the
facilities' reporting delay.  Period 2025-Q1 against 2024-Q1 on Almaty's clock
(UTC+6 until 2024-03-01, +5 since)."""
import csv
import io
import os
import xml.etree.ElementTree as ET

from harness import ROOT, Daemon

NS = {"r": "urn:nadzor:report:1"}


def person(status=None, sex=None, born=None, role="participant", name="Серіков Айдос"):
    parts = ["<name>%s</name>" % name]
    if status:
        parts.append("<status>%s</status>" % status)
    if born:
        parts.append("<born>%s</born>" % born)
    if sex:
        parts.append("<sex>%s</sex>" % sex)
    return '<person role="%s">%s</person>' % (role, "".join(parts))


def incident(ref, region, occurred, received, cats, facility="si-uis", persons=()):
    ps = ""
    if persons:
        ps = '<participants count="%d">%s</participants>' % (len(persons), "".join(persons))
    return ("""<incident xmlns="urn:nadzor:record:1"><ref>%s</ref><region>%s</region>"""
            """<facility kind="%s">F</facility>%s<occurred>%s</occurred>"""
            """<received>%s</received>%s</incident>"""
            % (ref, region, facility, "".join("<category>%s</category>" % c for c in cats),
               occurred, received, ps)).encode()


def action(ref, region, target, rule, done, outcome=None, measures=()):
    return ("""<action xmlns="urn:nadzor:record:1" record="%s" rule="%s"><ref>%s</ref>"""
            """<region>%s</region><done>%s</done>%s%s</action>"""
            % (target, rule, ref, region, done,
               "<outcome>%s</outcome>" % outcome if outcome else "",
               "".join('<measure kind="%s">m</measure>' % m for m in measures))).encode()


PLACEMENT = ("""<placement xmlns="urn:nadzor:record:1"><ref>PL1</ref><region>KZ-75</region>"""
             """<facility kind="si-uis"/><cell>ok</cell><person><name>P</name><sex>m</sex></person>"""
             """<decided>2025-02-10T10:00:00+05:00</decided>"""
             """<placed>2025-02-10T11:00:00+05:00</placed></placement>""").encode()

# (ref, region, occurred, received, categories, facility, persons); delay in
# minutes in the comment.
INCIDENTS = [
    # 2025-Q1
    ("A1", "KZ-75", "2025-01-10T10:00:00+05:00", "2025-01-10T10:30:00+05:00",  # 30
     ["self-harm"], "si-uis",
     [person("convict", "m", "1990-05-04"), person("accused", "f", "2008-01-01"),
      person("convict", "m", "1980-01-01", role="witness")]),
    ("A2", "KZ-75", "2025-02-01T08:00:00+05:00", "2025-02-01T09:00:00+05:00",  # 60
     ["escape", "weapon"], "uis", [person("convict", "m", "1970-02-01")]),
    ("A3", "KZ-75", "2025-03-05T12:00:00+05:00", "2025-03-05T12:10:00+05:00",  # 10
     ["torture"], "ivs", [person("detained")]),
    ("A4", "KZ-75", "2025-01-01T00:30:00+05:00", "2025-01-01T02:30:00+05:00",  # 120
     ["self-harm"], "si-uis", [person("suspect", "m", "1995-01-01")]),
    ("B1", "KZ-19", "2025-03-31T23:00:00+05:00", "2025-04-01T00:00:00+05:00",  # 60
     ["self-harm", "special-means"], "si-uis", [person("convict", "f", "1985-06-15")]),
    ("B2", "KZ-19", "2025-02-15T06:00:00+05:00", "2025-02-15T06:20:00+05:00",  # 20
     ["suicide"], "uis", [person("convict", "m", "2000-02-16")]),
    # Outside both periods: 2024-Q4 and 2025-Q2 by the local date.
    ("B3", "KZ-19", "2024-12-31T23:30:00+05:00", "2024-12-31T23:40:00+05:00",
     ["self-harm"], "si-uis", []),
    ("B4", "KZ-19", "2025-04-01T00:00:00+05:00", "2025-04-01T00:05:00+05:00",
     ["escape"], "si-uis", []),
    # 2024-Q1 (АППГ): C1 is 1 January on the +06:00 clock.
    ("C1", "KZ-75", "2024-01-01T00:30:00+06:00", "2024-01-01T01:00:00+06:00",  # 30
     ["self-harm"], "si-uis", [person("convict", "m", "1990-01-01")]),
    ("C2", "KZ-75", "2024-02-20T10:00:00+06:00", "2024-02-20T10:05:00+06:00",  # 5
     ["torture"], "si-uis", []),
    ("D1", "KZ-19", "2024-03-31T23:30:00+05:00", "2024-03-31T23:45:00+05:00",  # 15
     ["self-harm"], "si-uis", []),
    ("D2", "KZ-19", "2024-04-01T00:10:00+05:00", "2024-04-01T00:20:00+05:00",
     ["escape"], "si-uis", []),
]

ACTIONS = [
    # call-1h: A1 on time, A2 late (due 10:00); the rest stay overdue.
    ("A1-C", "KZ-75", "A1", "call-1h", "2025-01-10T10:50:00+05:00", None, ()),
    ("A2-C", "KZ-75", "A2", "call-1h", "2025-02-01T11:00:00+05:00", None, ()),
    ("A3-T", "KZ-75", "A3", "torture-check", "2025-03-06T10:00:00+05:00", "grounds",
     ("erdr", "representation")),
    ("PL1-R", "KZ-75", "PL1", "review-48h", "2025-02-11T10:00:00+05:00", "unlawful",
     ("release",)),
    ("B1-K", "KZ-19", "B1", "conclusion", "2025-04-02T10:00:00+05:00", "lawful", ()),
    ("C2-T", "KZ-75", "C2", "torture-check", "2024-02-21T10:00:00+06:00", "no-grounds", ()),
]


def load(d):
    alm = d.user("alm", "region", "KZ-75")
    zhe = d.user("zhetysu", "region", "KZ-19")
    for ref, region, occ, rec, cats, fac, ps in INCIDENTS:
        st, b = d.post(incident(ref, region, occ, rec, cats, fac, ps),
                       alm if region == "KZ-75" else zhe)
        assert st == 201, (ref, st, b)
    assert d.post(PLACEMENT, alm)[0] == 201
    for ref, region, target, rule, done, outcome, ms in ACTIONS:
        st, b = d.post(action(ref, region, target, rule, done, outcome, ms),
                       alm if region == "KZ-75" else zhe)
        assert st == 201, (ref, st, b)
    return alm, zhe


def figures(xml):
    """{(section, region or '', id): (current, previous, change, pct or None)}"""
    root = ET.fromstring(xml)
    out = {}
    for s in root.findall("r:section", NS):
        for f in s.findall("r:figure", NS):
            out[(s.get("id"), "", f.get("id"))] = (f.get("current"), f.get("previous"),
                                                  f.get("change"), f.get("change-pct"))
        for row in s.findall("r:row", NS):
            for f in row.findall("r:figure", NS):
                out[(s.get("id"), row.get("key"), f.get("id"))] = (
                    f.get("current"), f.get("previous"), f.get("change"), f.get("change-pct"))
    return root, out


# Every figure the data set fixes, national scope: (current, previous, change, pct).
EXPECTED = {
    ("categories", "", "incidents.total"): ("6", "3", "3", "100.0"),
    ("categories", "", "category.self-harm"): ("3", "2", "1", "50.0"),
    ("categories", "", "category.escape"): ("1", "0", "1", None),
    ("categories", "", "category.weapon"): ("1", "0", "1", None),
    ("categories", "", "category.special-means"): ("1", "0", "1", None),
    ("categories", "", "category.suicide"): ("1", "0", "1", None),
    ("categories", "", "category.torture"): ("1", "1", "0", "0.0"),
    ("categories", "", "category.mass-riot"): ("0", "0", "0", None),
    ("self-harm", "", "self-harm.incidents"): ("3", "2", "1", "50.0"),
    ("self-harm", "", "self-harm.persons"): ("4", "1", "3", "300.0"),
    ("allegations", "", "allegations.incidents"): ("1", "1", "0", "0.0"),
    ("allegations", "", "allegations.erdr"): ("1", "0", "1", None),
    ("checks", "", "review-48h.total"): ("1", "0", "1", None),
    ("checks", "", "review-48h.unlawful"): ("1", "0", "1", None),
    ("checks", "", "review-48h.lawful"): ("0", "0", "0", None),
    ("checks", "", "conclusion.lawful"): ("1", "0", "1", None),
    ("checks", "", "persons.released"): ("1", "0", "1", None),
    ("measures", "", "measure.erdr"): ("1", "0", "1", None),
    ("measures", "", "measure.representation"): ("1", "0", "1", None),
    ("measures", "", "measure.release"): ("1", "0", "1", None),
    ("measures", "", "measure.protest"): ("0", "0", "0", None),
    ("by-region", "KZ-75", "incidents.total"): ("4", "2", "2", "100.0"),
    ("by-region", "KZ-19", "incidents.total"): ("2", "1", "1", "100.0"),
    ("by-region", "KZ-75", "persons.total"): ("5", "1", "4", "400.0"),
    ("by-region", "KZ-19", "persons.total"): ("2", "0", "2", None),
    ("by-facility", "", "facility.si-uis"): ("3", "3", "0", "0.0"),
    ("by-facility", "", "facility.uis"): ("2", "0", "2", None),
    ("by-facility", "", "facility.ivs"): ("1", "0", "1", None),
    ("by-status", "", "status.convict"): ("4", "1", "3", "300.0"),
    ("by-status", "", "status.accused"): ("1", "0", "1", None),
    ("by-status", "", "status.suspect"): ("1", "0", "1", None),
    ("by-status", "", "status.detained"): ("1", "0", "1", None),
    ("by-sex", "", "sex.m"): ("4", "1", "3", "300.0"),
    ("by-sex", "", "sex.f"): ("2", "0", "2", None),
    ("by-sex", "", "sex.unknown"): ("1", "0", "1", None),
    ("by-age", "", "age.under-18"): ("1", "0", "1", None),
    ("by-age", "", "age.18-29"): ("1", "0", "1", None),
    ("by-age", "", "age.30-49"): ("3", "1", "2", "200.0"),
    ("by-age", "", "age.50-plus"): ("1", "0", "1", None),
    ("by-age", "", "age.unknown"): ("1", "0", "1", None),
    ("compliance", "", "compliance.call-1h.met"): ("1", "0", "1", None),
    ("compliance", "", "compliance.call-1h.late"): ("1", "0", "1", None),
    ("compliance", "", "compliance.call-1h.overdue"): ("4", "3", "1", "33.3"),
    ("compliance", "", "compliance.report-3h.overdue"): ("6", "3", "3", "100.0"),
    ("compliance", "", "compliance.review-48h.met"): ("1", "0", "1", None),
    ("compliance", "KZ-75", "compliance.call-1h.overdue"): ("2", "2", "0", "0.0"),
    ("compliance", "KZ-19", "compliance.call-1h.overdue"): ("2", "1", "1", "100.0"),
    ("compliance", "KZ-19", "compliance.call-1h.met"): ("0", "0", "0", None),
    ("reporting-delay", "", "delay.count"): ("6", "3", "3", "100.0"),
    ("reporting-delay", "", "delay.median-min"): ("45", "15", "30", "200.0"),
    ("reporting-delay", "", "delay.max-min"): ("120", "30", "90", "300.0"),
    ("reporting-delay", "KZ-75", "delay.median-min"): ("45", "17.5", "27.5", "157.1"),
    ("reporting-delay", "KZ-19", "delay.median-min"): ("40", "15", "25", "166.7"),
    ("reporting-delay", "KZ-19", "delay.max-min"): ("60", "15", "45", "300.0"),
}


def check(got, expected):
    bad = {k: (got.get(k), v) for k, v in expected.items() if got.get(k) != v}
    assert not bad, bad


def test_reports_every_form_scope_and_appg():
    d = Daemon().start()
    try:
        load(d)
        analyst = d.user("an", "analyst")
        regional = d.user("zh2", "region", "KZ-19")
        os.environ["NADZOR_REPORTS"] = os.path.join(ROOT, "reports")

        st, h, body = d.request("GET", "/api/v1/reports/quarterly/2025-Q1", token=analyst)
        assert st == 200 and h["Content-Type"].startswith("application/xml"), (st, h, body)
        root, got = figures(body)
        assert root.get("period") == "2025-Q1" and root.get("previous") == "2024-Q1"
        assert root.get("scope") == "all"
        # Almaty midnights as UTC instants: +05:00 in 2025, +06:00 on 2024-01-01.
        assert root.get("from") == "2024-12-31T19:00:00Z" and root.get("to") == "2025-03-31T19:00:00Z"
        assert root.get("previous-from") == "2023-12-31T18:00:00Z"
        assert root.get("previous-to") == "2024-03-31T19:00:00Z"
        check(got, EXPECTED)
        assert "Серіков".encode() not in body and b"name" not in body

        # The client: xml as served, csv with labels, html through the stylesheet.
        p = d.nadzor("report", "quarterly", "2025-Q1", token=analyst)
        assert p.returncode == 0, p.stderr
        check(figures(p.stdout)[1], EXPECTED)

        out = os.path.join(d.dir, "q1.csv")
        p = d.nadzor("report", "quarterly", "2025-Q1", "--format", "csv", "--lang", "kk",
                     "-o", out, token=analyst)
        assert p.returncode == 0, p.stderr
        with open(out, encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert list(rows[0].keys()) == ["section", "figure", "label", "region", "period",
                                        "current", "previous", "change", "change_pct"]
        byk = {(r["section"], r["region"], r["figure"]): r for r in rows}
        r = byk[("categories", "", "category.self-harm")]
        assert (r["label"], r["period"], r["current"], r["previous"], r["change"],
                r["change_pct"]) == ("Өзіне зақым келтіру", "2025-Q1", "3", "2", "1", "50.0"), r
        assert byk[("categories", "", "category.escape")]["change_pct"] == "—"
        r = byk[("by-region", "KZ-19", "incidents.total")]
        assert (r["current"], r["previous"]) == ("2", "1"), r
        r = byk[("reporting-delay", "", "delay.median-min")]
        assert (r["current"], r["previous"], r["change_pct"]) == ("45", "15", "200.0"), r
        p = d.nadzor("report", "quarterly", "2025-Q1", "--format", "csv", "--lang", "en",
                     token=analyst)
        assert b"category.self-harm,Self-harm,,2025-Q1,3,2,1,50.0" in p.stdout, p.stdout[:500]

        p = d.nadzor("report", "quarterly", "2025-Q1", "--format", "html", token=analyst)
        assert p.returncode == 0, p.stderr
        html = p.stdout.decode()
        assert "Квартальный анализ" in html and "2025-Q1" in html and "2024-Q1" in html
        assert "Членовредительство" in html and "<svg" in html
        assert 'data-id="category.self-harm"' in html
        i = html.index('data-id="category.self-harm"')
        row = html[i:html.index("</tr>", i)]
        for v in (">3<", ">2<", ">+1<", ">+50.0<"):
            assert v in row, row
        assert 'class="bar-current"' in html
        p = d.nadzor("report", "quarterly", "2025-Q1", "--format", "html", "--lang", "kk",
                     token=analyst)
        assert "Тоқсандық талдау" in p.stdout.decode()

        # A region user sees only KZ-19; another region is refused.
        st, _, body = d.request("GET", "/api/v1/reports/quarterly/2025-Q1", token=regional)
        assert st == 200
        root, got = figures(body)
        assert root.get("scope") == "KZ-19"
        check(got, {
            ("categories", "", "incidents.total"): ("2", "1", "1", "100.0"),
            ("categories", "", "category.self-harm"): ("1", "1", "0", "0.0"),
            ("self-harm", "", "self-harm.persons"): ("1", "0", "1", None),
            ("compliance", "", "compliance.call-1h.overdue"): ("2", "1", "1", "100.0"),
            ("reporting-delay", "", "delay.median-min"): ("40", "15", "25", "166.7"),
        })
        assert not [k for k in got if k[1] and k[1] != "KZ-19"], got.keys()
        st, _, _ = d.request("GET", "/api/v1/reports/quarterly/2025-Q1?region=KZ-75",
                             token=regional)
        assert st == 403
        p = d.nadzor("report", "quarterly", "2025-Q1", "--region", "KZ-75", token=regional)
        assert p.returncode == 3, (p.returncode, p.stderr)
        st, _, body = d.request("GET", "/api/v1/reports/quarterly/2025-Q1?region=KZ-19",
                                token=analyst)
        assert st == 200 and figures(body)[0].get("scope") == "KZ-19"

        # Other kinds of period, and malformed ones.
        st, _, body = d.request("GET", "/api/v1/reports/monthly/2025-03", token=analyst)
        check(figures(body)[1], {("categories", "", "incidents.total"): ("2", "1", "1", "100.0")})
        st, _, body = d.request("GET", "/api/v1/reports/annual/2024", token=analyst)
        check(figures(body)[1], {("categories", "", "incidents.total"): ("5", "0", "5", None)})
        st, _, body = d.request("GET", "/api/v1/reports/halfyear/2025-H1", token=analyst)
        check(figures(body)[1], {("categories", "", "incidents.total"): ("7", "4", "3", "75.0")})
        for bad in ("monthly/2025-13", "quarterly/2025-Q5", "weekly/2025", "annual/25"):
            st, _, _ = d.request("GET", "/api/v1/reports/" + bad, token=analyst)
            assert st == 404, (bad, st)
        assert d.request("GET", "/api/v1/reports/annual/2025")[0] == 401
    finally:
        d.cleanup()
