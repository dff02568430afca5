"""test_submitted.py - submitted reports are frozen (issue #5, item 4): a quarterly
report submitted as HTML and as XML is stored byte for byte with the hash of its
data; records logged later change neither; a regeneration says exactly which
values changed since; a second submission needs a reason and becomes version 2;
regions see and submit only their own; the rows cannot be updated or deleted."""
import hashlib
import json
import os
import subprocess
import xml.etree.ElementTree as ET

from harness import ROOT, Daemon
from test_reports import NS, figures, incident, load, person

Q1 = "/api/v1/reports/quarterly/2025-Q1"


def data_sha256(xml):
    """The data hash as report.h defines it, recomputed from the document."""
    root = ET.fromstring(xml)
    lines = []
    for (s, key, fid), (cur, prev, _c, _p) in figures(xml)[1].items():
        lines.append("%s\t%s\t%s\t%s\t%s\n" % (s, key, fid, cur, prev))
    head = "nadzor-report-data 1\n%s\t%s\t%s\n" % (root.get("kind"), root.get("period"),
                                                 root.get("scope"))
    return hashlib.sha256((head + "".join(sorted(lines))).encode()).hexdigest()


def diff(old_xml, new_xml):
    """{(section, key, id, column): (submitted, now)} of every value that differs."""
    old, new = figures(old_xml)[1], figures(new_xml)[1]
    out = {}
    for k in set(old) | set(new):
        o, n = old.get(k, ("0", "0")), new.get(k, ("0", "0"))
        for i, col in ((0, "current"), (1, "previous")):
            if o[i] != n[i]:
                out[k + (col,)] = (o[i], n[i])
    return out


def since(xml):
    root = ET.fromstring(xml)
    s = root.find("r:since-submission", NS)
    if s is None:
        return None, None
    return s, {(c.get("section"), c.get("key") or "", c.get("id"), c.get("column")):
               (c.get("submitted"), c.get("now")) for c in s.findall("r:changed", NS)}


def listing(d, token):
    st, _, body = d.request("GET", "/api/v1/reports/submitted", token=token)
    assert st == 200, (st, body)
    return json.loads(body)["submissions"]


def post_doc(d, token, doc, sha, fmt="html", extra="&lang=ru"):
    return d.request("POST", Q1 + "/submissions?format=%s&data_sha256=%s%s"
                     % (fmt, sha, extra), doc, token,
                     headers={"Content-Type": "application/octet-stream"})


def test_submitted_reports_are_frozen():
    d = Daemon().start()
    try:
        alm, zhe = load(d)
        head = d.user("head1", "head")
        analyst = d.user("an", "analyst")
        district = d.user("dist", "district", "KZ-75")
        os.environ["NADZOR_REPORTS"] = os.path.join(ROOT, "reports")

        # The data hash is of the figures: two generations agree, and it is
        # what anyone recomputes from the document.
        _, _, a = d.request("GET", Q1, token=alm)
        _, _, b = d.request("GET", Q1, token=alm)
        ra, rb = ET.fromstring(a), ET.fromstring(b)
        assert ra.get("data-sha256") == rb.get("data-sha256") == data_sha256(a), a[:400]
        assert ra.find("r:since-submission", NS) is None

        # Submit: KZ-75 as HTML, KZ-19 as XML, the country as CSV.
        html = os.path.join(d.dir, "q1-75.html")
        p = d.nadzor("report", "quarterly", "2025-Q1", "--format", "html", "-o", html,
                     "--submit", token=alm)
        assert p.returncode == 0, p.stderr
        assert b"report: submitted quarterly 2025-Q1 (KZ-75) as #" in p.stderr, p.stderr
        xmlf = os.path.join(d.dir, "q1-19.xml")
        p = d.nadzor("report", "quarterly", "2025-Q1", "--format", "xml", "-o", xmlf,
                     "--submit", token=zhe)
        assert p.returncode == 0, p.stderr
        p = d.nadzor("report", "quarterly", "2025-Q1", "--format", "csv", "--submit",
                     token=head)
        assert p.returncode == 0 and p.stdout.startswith(b"section,figure,"), p.stderr
        csv_doc = p.stdout
        with open(html, "rb") as f:
            html_doc = f.read()
        with open(xmlf, "rb") as f:
            xml_doc = f.read()
        assert b'name="nadzor-data-sha256"' in html_doc

        subs = {s["scope"]: s for s in listing(d, head)}
        assert set(subs) == {"KZ-75", "KZ-19", "all"}, subs
        s75, s19, sall = subs["KZ-75"], subs["KZ-19"], subs["all"]
        assert (s75["kind"], s75["period"], s75["version"], s75["format"], s75["lang"],
                s75["submitted_by"], s75["reason"], s75["bytes"]) == (
            "quarterly", "2025-Q1", 1, "html", "ru", "alm", None, len(html_doc)), s75
        assert s75["data_sha256"] == ra.get("data-sha256")
        assert s75["document_sha256"] == hashlib.sha256(html_doc).hexdigest()
        assert s19["format"] == "xml" and s19["submitted_by"] == "zhetysu"
        assert s19["document_sha256"] == hashlib.sha256(xml_doc).hexdigest()
        assert sall["format"] == "csv" and sall["document_sha256"] == \
            hashlib.sha256(csv_doc).hexdigest()
        assert s75["submitted_at"].endswith("Z")
        assert [s["id"] for s in listing(d, head)] == sorted(
            [s75["id"], s19["id"], sall["id"]], reverse=True)
        # The client's list.
        p = d.nadzor("report", "submitted", token=alm)
        assert p.returncode == 0, p.stderr
        out = p.stdout.decode()
        assert out.startswith("ID ") and len(out.splitlines()) == 2, out
        row = out.splitlines()[1].split()
        assert row[:7] == [str(s75["id"]), "quarterly", "2025-Q1", "KZ-75", "1", "html",
                           "ru"], row
        assert row[-2:] == ["alm", s75["data_sha256"]], row

        # Records logged later for that period, this year's and last year's.
        st, b = d.post(incident("E1", "KZ-75", "2025-02-20T10:00:00+05:00",
                                "2025-02-20T10:40:00+05:00", ["self-harm"], "si-uis",
                                [person("convict", "m", "1990-05-04")]), alm)
        assert st == 201, b
        st, b = d.post(incident("E2", "KZ-75", "2024-02-25T10:00:00+06:00",
                                "2024-02-25T10:10:00+06:00", ["escape"], "ivs", []), alm)
        assert st == 201, b

        # The stored documents are byte for byte what was sent, hashes unchanged.
        back = os.path.join(d.dir, "back.html")
        p = d.nadzor("report", "submitted", str(s75["id"]), "-o", back, token=alm)
        assert p.returncode == 0, p.stderr
        with open(back, "rb") as f:
            assert f.read() == html_doc
        st, h, body = d.request("GET", "/api/v1/reports/submitted/%d" % s19["id"],
                                token=zhe)
        assert st == 200 and body == xml_doc, (st, body[:200])
        assert h["Content-Type"].startswith("application/xml")
        assert h["X-Nadzor-Document-SHA256"] == hashlib.sha256(xml_doc).hexdigest()
        assert h["X-Nadzor-Data-SHA256"] == s19["data_sha256"]
        assert "attachment" in h["Content-Disposition"]
        st, h, body = d.request("GET", "/api/v1/reports/submitted/%d" % s75["id"],
                                token=alm)
        assert st == 200 and body == html_doc and h["Content-Type"].startswith("text/html")
        p = d.nadzor("report", "submitted", str(sall["id"]), token=head)
        assert p.returncode == 0 and p.stdout == csv_doc
        assert {s["id"]: s for s in listing(d, head)}[s75["id"]] == s75
        # The data it was rendered from, with the same hash.
        st, h, stored = d.request("GET", "/api/v1/reports/submitted/%d/data" % s75["id"],
                                  token=alm)
        assert st == 200 and ET.fromstring(stored).get("data-sha256") == s75["data_sha256"]
        assert data_sha256(stored) == s75["data_sha256"]

        # A regeneration says exactly what changed since, submitted -> now.
        st, _, now = d.request("GET", Q1, token=alm)
        assert st == 200
        assert ET.fromstring(now).get("data-sha256") != s75["data_sha256"]
        el, changed = since(now)
        assert el is not None and el.get("id") == str(s75["id"]), now[-600:]
        assert el.get("data-sha256") == s75["data_sha256"] and el.get("by") == "alm"
        assert el.get("at") == s75["submitted_at"] and el.get("version") == "1"
        want = diff(stored, now)
        assert changed == want, (changed, want)
        assert el.get("changed") == str(len(want))
        for k, v in {("categories", "", "incidents.total", "current"): ("4", "5"),
                     ("categories", "", "incidents.total", "previous"): ("2", "3"),
                     ("categories", "", "category.self-harm", "current"): ("2", "3"),
                     ("categories", "", "category.escape", "previous"): ("0", "1"),
                     ("by-region", "KZ-75", "incidents.total", "current"): ("4", "5")}.items():
            assert changed.get(k) == v, (k, changed.get(k))
        assert ("categories", "", "category.torture", "current") not in changed
        p = d.nadzor("report", "quarterly", "2025-Q1", token=alm)
        assert p.returncode == 0
        err = p.stderr.decode()
        assert err.startswith("report: submitted as #%d on %s (version 1, by alm); "
                              "%d figures changed since: " % (
                                  s75["id"], s75["submitted_at"][:10], len(want))), err
        assert "categories/incidents.total 4 → 5" in err, err
        assert "categories/incidents.total (previous year) 2 → 3" in err, err
        assert "by-region/KZ-75/incidents.total 4 → 5" in err, err
        p = d.nadzor("report", "quarterly", "2025-Q1", "--format", "html", "--lang", "en",
                     token=alm)
        page = p.stdout.decode()
        assert 'class="since-submission"' in page and \
            'data-changed="%d"' % len(want) in page, page[:3000]
        assert 'data-id="incidents.total" data-region="KZ-75" data-column="current"' in page
        assert "4 → 5" in page
        # KZ-19 has not changed: said so; the national report has.
        p = d.nadzor("report", "quarterly", "2025-Q1", token=zhe)
        assert "(version 1, by zhetysu); no figure has changed since" in p.stderr.decode()
        el, changed = since(p.stdout)
        assert el.get("changed") == "0" and changed == {}
        _, _, nat = d.request("GET", Q1, token=head)
        assert since(nat)[1][("categories", "", "incidents.total", "current")] == ("6", "7")

        # A second submission is refused; a correction with a reason is version 2.
        p = d.nadzor("report", "quarterly", "2025-Q1", "--format", "html", "-o",
                     os.path.join(d.dir, "again.html"), "--submit", token=alm)
        assert p.returncode == 1, p.stderr
        assert ("was submitted already: #%d, version 1" % s75["id"]).encode() in p.stderr
        assert not os.path.exists(os.path.join(d.dir, "again.html"))
        p = d.nadzor("report", "quarterly", "2025-Q1", "--format", "xml", "-o",
                     os.path.join(d.dir, "v2.xml"), "--resubmit",
                     "two incidents logged late", token=alm)
        assert p.returncode == 0, p.stderr
        with open(os.path.join(d.dir, "v2.xml"), "rb") as f:
            v2_doc = f.read()
        v2 = listing(d, alm)[0]
        assert (v2["version"], v2["reason"], v2["format"], v2["scope"]) == (
            2, "two incidents logged late", "xml", "KZ-75"), v2
        assert v2["data_sha256"] == ET.fromstring(now).get("data-sha256")
        st, h, body = d.request("GET", "/api/v1/reports/submitted/%d" % v2["id"], token=alm)
        assert st == 200 and body == v2_doc
        el, changed = since(d.request("GET", Q1, token=alm)[2])
        assert el.get("id") == str(v2["id"]) and el.get("version") == "2" and changed == {}
        p = d.nadzor("report", "submitted", token=alm)
        assert "reason: two incidents logged late" in p.stdout.decode()
        # A PDF, sent over HTTP as any client would: served back as one.
        pdf_doc = b"%PDF-1.7\n% a document as rendered\n%%EOF\n"
        st, _, body = post_doc(d, alm, pdf_doc, v2["data_sha256"], "pdf",
                               "&lang=kk&reason=in%20Kazakh")
        assert st == 201, body
        v3 = json.loads(body)
        assert (v3["version"], v3["format"], v3["lang"], v3["reason"], v3["bytes"]) == (
            3, "pdf", "kk", "in Kazakh", len(pdf_doc)), v3
        st, h, body = d.request("GET", "/api/v1/reports/submitted/%d" % v3["id"], token=alm)
        assert st == 200 and body == pdf_doc and h["Content-Type"] == "application/pdf"
        # Nothing to correct: never submitted.
        p = d.nadzor("report", "monthly", "2025-01", "--resubmit", "why", token=alm)
        assert p.returncode == 1 and b"nothing to correct" in p.stderr, p.stderr

        # The data changed between generation and submission: 409, nothing stored.
        _, _, old = d.request("GET", "/api/v1/reports/monthly/2025-02", token=alm)
        sha = ET.fromstring(old).get("data-sha256")
        st, b = d.post(incident("E3", "KZ-75", "2025-02-21T10:00:00+05:00",
                                "2025-02-21T10:20:00+05:00", ["hunger-strike"]), alm)
        assert st == 201, b
        st, _, body = d.request("POST", "/api/v1/reports/monthly/2025-02/submissions"
                                "?format=xml&data_sha256=" + sha, old, alm)
        assert st == 409 and b"the records changed while the report was generated" in body
        st, _, body = post_doc(d, alm, b"<html/>", "0" * 64, extra="&reason=x")
        assert st == 409 and b"generate it again" in body, body
        n = len(listing(d, head))
        # Malformed submissions: 400 naming what is wrong; wrong roles: 403.
        sha = ET.fromstring(d.request("GET", Q1, token=alm)[2]).get("data-sha256")
        for extra, fmt, doc, why in (
                ("", "doc", b"x", b"format"),
                ("&lang=de", "html", b"x", b"lang"),
                ("&reason=", "html", b"x", b"reason"),
                ("", "html", b"", b"the body must be the document"),
                ("&reason=fix", "pdf", b"<html/>", b"not a PDF"),
                ("&reason=fix", "xml", b"<report/>", b"data-sha256 differs")):
            st, _, body = post_doc(d, alm, doc, sha, fmt, extra)
            assert st == 400 and why in body, (extra, fmt, st, body)
        st, _, body = post_doc(d, alm, b"x", "abc")
        assert st == 400 and b"data_sha256" in body
        for tok, who in ((analyst, b"analyst"), (district, b"district")):
            st, _, body = post_doc(d, tok, b"x", sha)
            assert st == 403 and who in body, (st, body)
        assert len(listing(d, head)) == n

        # Regions: another region's submissions are invisible (404 as absent),
        # and a region submits only its own.
        ids = [s["id"] for s in listing(d, zhe)]
        assert ids == [s19["id"]], ids
        for sid in (s75["id"], sall["id"], 999999):
            st, _, _ = d.request("GET", "/api/v1/reports/submitted/%d" % sid, token=zhe)
            assert st == 404, (sid, st)
            st, _, _ = d.request("GET", "/api/v1/reports/submitted/%d/data" % sid,
                                 token=zhe)
            assert st == 404, (sid, st)
        p = d.nadzor("report", "submitted", str(s75["id"]), token=zhe)
        assert p.returncode == 4, p.stderr
        st, _, _ = d.request("POST", Q1 + "/submissions?region=KZ-75&format=html&"
                             "data_sha256=" + sha, b"<html/>", zhe)
        assert st == 403
        p = d.nadzor("report", "quarterly", "2025-Q1", "--region", "KZ-75", "--submit",
                     token=zhe)
        assert p.returncode == 3, p.stderr
        assert {s["scope"] for s in listing(d, analyst)} == {"KZ-75", "KZ-19", "all"}
        assert [s["scope"] for s in listing(d, district)] == ["KZ-75"] * 3
        # The router: "submitted" is no kind of report.
        for method, path, code in (("GET", "/api/v1/reports/submitted/abc", 404),
                                   ("GET", "/api/v1/reports/submitted/1/x", 404),
                                   ("GET", Q1 + "/submissions", 404),
                                   ("POST", Q1, 404),
                                   ("POST", "/api/v1/reports/submitted", 404)):
            st, _, _ = d.request(method, path, b"x" if method == "POST" else None, head)
            assert st == code, (method, path, st)
        assert d.request("GET", "/api/v1/reports/submitted")[0] == 401

        # Audited, each with both hashes; the rows refuse UPDATE and DELETE.
        rows = d.sql("SELECT object, detail FROM audit WHERE action = 'report.submit'"
                     " ORDER BY id")
        assert len(rows) == 5, rows
        assert s75["document_sha256"] in rows[0][1] and s75["data_sha256"] in rows[0][1]
        assert "reason: two incidents logged late" in rows[3][1]
        assert rows[4][0] == "submission %d" % v3["id"]
        p = d.nadzor("audit", "verify", db=True)
        assert p.returncode == 0, p.stderr
        for sql in ("UPDATE submission SET document = x'00' WHERE id = %d" % s75["id"],
                    "UPDATE submission SET data_sha256 = data_sha256",
                    "DELETE FROM submission WHERE id = %d" % s19["id"],
                    "DELETE FROM submission"):
            p = subprocess.run(["sqlite3", d.db, sql], capture_output=True)
            assert p.returncode != 0 and b"submitted reports are frozen" in p.stderr, \
                (sql, p.returncode, p.stderr)
        st, _, body = d.request("GET", "/api/v1/reports/submitted/%d" % s75["id"], token=alm)
        assert body == html_doc
        assert d.sql("SELECT count(*) FROM submission")[0][0] == 5
    finally:
        d.cleanup()


def test_submitted_help():
    d = Daemon()
    try:
        p = d.nadzor("report", "--help")
        out = p.stdout.decode()
        assert p.returncode == 0 and "--submit" in out and "--resubmit REASON" in out
        assert "submitted [ID [--data] [-o FILE]]" in out, out
        p = d.nadzor("report", "submitted", "--help")
        assert p.returncode == 0 and p.stdout.startswith(b"usage: nadzor report")
        p = d.nadzor("report", "submitted", "x1")
        assert p.returncode == 2 and b"give the id" in p.stderr
    finally:
        d.cleanup()
