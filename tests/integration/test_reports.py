"""test_reports.py - the Department's analyses (п. 65-67): a data set whose every
figure is known by hand, read back as XML, CSV, HTML and PDF, beside the same
period of the previous year, with region scoping, deadline compliance and the
facilities' reporting delay.  Period 2025-Q1 against 2024-Q1 on Almaty's clock
(UTC+6 until 2024-03-01, +5 since).  The words come from the gettext
catalogues in reports/po/, in Russian, Kazakh and English; the PDFs are read
back with poppler (pdftotext, pdftoppm, pdffonts)."""
import ast
import contextlib
import copy
import csv
import http.server
import io
import os
import re
import shutil
import stat
import struct
import subprocess
import tempfile
import threading
import xml.etree.ElementTree as ET
import zlib

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


PO = os.path.join(ROOT, "reports", "po")
LANGS = ("ru", "kk", "en")
COLUMNS = ("col.figure", "col.region", "col.current", "col.previous", "col.change",
           "col.change-pct")


def catalogue(lang, name=None):
    """{msgid: msgstr} of reports/po/LANG.po (or of the file named), its
    header left out."""
    out, entry, field = {}, {}, None
    with open(os.path.join(PO, name or lang + ".po"), encoding="utf-8") as f:
        for line in list(f) + [""]:
            line = line.strip()
            m = re.match(r'(msgid|msgstr) (".*")$', line)
            if m:
                field = m.group(1)
                entry[field] = ast.literal_eval(m.group(2))
            elif line.startswith('"') and field:
                entry[field] += ast.literal_eval(line)
            elif not line:
                if entry.get("msgid"):
                    out[entry["msgid"]] = entry["msgstr"]
                entry, field = {}, None
    return out


def signed(v):
    """A change as the HTML and PDF show it: "+" above zero, "—" for no percentage."""
    if v is None:
        return "—"
    return "+" + v if float(v) > 0 else v


def report(d, token, fmt, lang, *more):
    """nadzor report quarterly 2025-Q1 in a format and language; its output."""
    p = d.nadzor("report", "quarterly", "2025-Q1", "--format", fmt, "--lang", lang, *more,
                 token=token)
    assert p.returncode == 0 and not p.stderr, (fmt, lang, p.returncode, p.stderr)
    return p.stdout


def check_csv_words(d, token, lang, cat):
    """Every CSV label is the catalogue's word for its figure id."""
    rows = list(csv.DictReader(io.StringIO(report(d, token, "csv", lang).decode())))
    assert len(rows) > 100, len(rows)
    bad = [(r["figure"], r["label"]) for r in rows
           if r["label"] != cat.get(r["figure"]) or r["label"] == r["figure"]]
    assert not bad, (lang, bad)
    return len(rows)


def check_html_words(d, token, lang, cat, nrows):
    """The HTML page's title, headings, column names and every figure's label
    are the catalogue's words, through the stylesheet's l:label()."""
    html = report(d, token, "html", lang).decode()
    assert '<html lang="%s">' % lang in html, html[:300]
    assert re.search(r"<h1>\s*(.*?)\s*</h1>", html, re.S).group(1) == cat["report.title"]
    assert "<title>%s 2025-Q1</title>" % cat["kind.quarterly"] in html, html[:400]
    meta = re.search(r'<p class="meta">(.*?)</p>', html, re.S).group(1)
    for id, value in (("meta.period", '<b class="period">2025-Q1</b>'),
                      ("meta.previous", "2024-Q1"),
                      ("meta.scope", '<span class="scope">%s</span>' % cat["meta.scope-all"]),
                      ("meta.generated", "")):
        assert "%s: %s" % (cat[id], value) in meta, (lang, id, meta)
    heads = re.findall(r'<h2 id="([^"]+)">\s*(.*?)\s*</h2>', html, re.S)
    assert len(heads) == 12 and all(h == cat["section." + i] for i, h in heads), heads
    assert "<h2>%s</h2>" % cat["chart.title"] in html
    assert set(re.findall(r"<th>(.*?)</th>", html)) == {cat[c] for c in COLUMNS}
    labels = re.findall(r'<tr data-id="([^"]+)"[^>]*>\s*<td>(.*?)</td>', html, re.S)
    assert len(labels) == nrows, (len(labels), nrows)
    bad = [(i, t) for i, t in labels if t != cat[i]]
    assert not bad, (lang, bad)


def pdf_text(path, page=None, mode="-layout"):
    """pdftotext of the PDF, or of one page of it: -layout as it looks, -raw in
    the order it was drawn (a table row's cells one after the other, however
    its label wraps)."""
    args = ["pdftotext", "-enc", "UTF-8", mode]
    if page:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run(args + [path, "-"], capture_output=True, check=True).stdout.decode()


def pdf_words(path):
    """(page, word, xMin, yMin, xMax, yMax) of every word pdftotext finds, in
    points from the page's top left."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-bbox", path, "-"],
                         capture_output=True, check=True).stdout.decode()
    words, page = [], 0
    for m in re.finditer(r'<page |<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                         r'yMax="([\d.]+)">(.*?)</word>', out):
        if m.group(0) == "<page ":
            page += 1
        else:
            words.append((page, m.group(5)) + tuple(float(m.group(i)) for i in range(1, 5)))
    return words


def pdf_lines(text):
    """The text's lines with their runs of spaces made one, empty ones left out."""
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def pdf_pages(path):
    out = subprocess.run(["pdfinfo", path], capture_output=True, check=True).stdout.decode()
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


def png_ink(path):
    """(width, height, share of pixels that are not near white) of an 8-bit
    PNG as pdftoppm writes it; the filters undone by hand (standard library)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    assert depth == 8 and ctype in (0, 2) and interlace == 0, (depth, ctype, interlace)
    bpp = 3 if ctype == 2 else 1
    stride, raw = w * bpp, zlib.decompress(idat)
    prev, ink = bytearray(stride), 0
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                line[i] = (line[i] + a) & 255
            elif ft == 2:
                line[i] = (line[i] + b) & 255
            elif ft == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ft == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        ink += sum(1 for i in range(0, stride, bpp) if min(line[i:i + bpp]) < 200)
        prev = line
    return w, h, ink / (w * h)


def check_pdf_pages(path, cat, pngdir):
    """Every page is A4 at 50 dpi and has ink on it, and says its number of
    the whole; fonts are all embedded (DejaVu Sans).  The number of pages."""
    n = pdf_pages(path)
    prefix = os.path.join(pngdir, os.path.basename(path)[:-4])
    subprocess.run(["pdftoppm", "-png", "-r", "50", path, prefix], check=True)
    pngs = sorted(f for f in os.listdir(pngdir)
                  if f.startswith(os.path.basename(prefix) + "-") and f.endswith(".png"))
    assert len(pngs) == n, (pngs, n)
    for f in pngs:
        w, h, ink = png_ink(os.path.join(pngdir, f))
        assert w in (413, 414) and h in (584, 585), (f, w, h)
        assert ink > 0.01, (f, ink)
    for i in range(1, n + 1):
        assert cat["page.n-of-m"].format(n=i, m=n) in pdf_lines(pdf_text(path, i)), (path, i)
    fonts = subprocess.run(["pdffonts", path], capture_output=True,
                           check=True).stdout.decode().splitlines()[2:]
    assert fonts, path
    for line in fonts:
        cols = line.split()
        assert cols[-5] == "yes" and cols[0].split("+")[-1].startswith("DejaVuSans"), line
    return n


def check_pdf_breaks(path, n, cat):
    """Each page after the first begins with a table's header row (a table run
    on from the page before) or with a heading the header row follows; the
    number of pages that repeat a header row."""
    heads = {cat[k] for k in cat if k.startswith("section.")} | {cat["chart.title"]}
    repeats = 0
    for i in range(2, n + 1):
        lines = pdf_lines(pdf_text(path, i))
        header = [j for j, l in enumerate(lines[:2]) if l.startswith(cat["col.figure"] + " ")
                  and cat["col.previous"] in l.split()]
        assert header in ([0], [1]), (i, lines[:3])
        if header == [0]:
            repeats += 1
        else:
            assert lines[0] in heads, (i, lines[:3])
    return repeats


def check_pdf(d, token, lang, cat, expected):
    """The PDF in lang: title block, every hand-known figure in its row, pages."""
    path = os.path.join(d.dir, "q1-%s.pdf" % lang)
    assert report(d, token, "pdf", lang, "-o", path) == b""
    with open(path, "rb") as f:
        assert f.read(5) == b"%PDF-"
    text = pdf_text(path)
    lines = pdf_lines(text)
    assert " ".join(text.split()).startswith(cat["report.title"] + " "), text[:300]
    for line in ("%s 2025-Q1" % cat["kind.quarterly"], "%s: 2025-Q1" % cat["meta.period"],
                 "%s: 2024-Q1" % cat["meta.previous"],
                 "%s: %s" % (cat["meta.scope"], cat["meta.scope-all"])):
        assert line in lines, (line, lines[:8])
    assert [l for l in lines if l.startswith(cat["meta.generated"] + ": ") and
            l.endswith(" UTC")], lines[:8]
    drawn = " %s " % " ".join(pdf_text(path, mode="-raw").split())
    missing = []
    for (section, region, id), (cur, prev, change, pct) in expected.items():
        row = " ".join(x for x in (cat[id], region, cur, prev, signed(change), signed(pct)) if x)
        if " %s " % row not in drawn:
            missing.append(row)
    assert not missing, (lang, missing)
    pngdir = tempfile.mkdtemp(prefix="png-", dir=d.dir)
    n = check_pdf_pages(path, cat, pngdir)
    shutil.rmtree(pngdir)
    return path, n, text


class FakeDaemon:
    """A stand-in nadzord answering every request with one crafted answer:
    what a real daemon would never send."""

    def __init__(self, body, status=200, ctype="application/xml"):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


@contextlib.contextmanager
def bare_client_env():
    """The client run as on a machine with no locale of its own (LC_ALL=C, a
    stray LANGUAGE), and with GLib's objects in malloc'd memory, so that a
    pango or cairo object the PDF forgets to free is a leak LeakSanitizer sees
    (GLib's slice allocator would hide it)."""
    want = {"LC_ALL": "C", "LANGUAGE": "de", "G_SLICE": "always-malloc"}
    saved = {k: os.environ.get(k) for k in want}
    os.environ.update(want)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def check_words_and_pdfs(d, analyst):
    """CSV and HTML in every language, PDFs in Russian and Kazakh."""
    with bare_client_env():
        cats = {lang: catalogue(lang) for lang in LANGS}
        ids = set(catalogue(None, "nadzor.pot"))
        for lang in LANGS:
            assert set(cats[lang]) == ids and all(cats[lang].values()), lang
            nrows = check_csv_words(d, analyst, lang, cats[lang])
            check_html_words(d, analyst, lang, cats[lang], nrows)
        path, n, _ = check_pdf(d, analyst, "ru", cats["ru"], EXPECTED)
        assert n >= 2 and check_pdf_breaks(path, n, cats["ru"]) >= 1, n
        path, n, text = check_pdf(d, analyst, "kk", cats["kk"], EXPECTED)
        assert n >= 2 and check_pdf_breaks(path, n, cats["kk"]) >= 1, n
        for word in ("Тоқсандық талдау", "Әйелдер", "Күдіктілер", "Өзгеріс, %",
                     "Тұлғалардың іс жүргізу жағдайы бойынша", "Қамауда ұстау"):
            assert word in text, word
        assert all(c in text for c in "әғқңөұүі"), text[:200]


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
        check_words_and_pdfs(d, analyst)

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


REGIONS = ["KZ-71", "KZ-75", "KZ-79", "KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27",
           "KZ-31", "KZ-33", "KZ-35", "KZ-39", "KZ-43", "KZ-47", "KZ-55", "KZ-59", "KZ-61",
           "KZ-62", "KZ-63", "MIL", "TRN"]


PDF_W, PDF_H, PDF_MARGIN = 595.28, 841.89, 42.0


def crafted_report(xml, regions):
    """The daemon's report made hostile: `regions` regions in by-region (the
    copies X000...), the first one's code 120 letters long, bars for -7,
    1e999 and nan, a value of 3000 digits, and a figure whose id of 450
    characters has no translation."""
    ET.register_namespace("", NS["r"])
    root = ET.fromstring(xml)
    by = root.find("r:section[@id='by-region']", NS)
    rows = by.findall("r:row", NS)
    for i in range(regions - len(rows)):
        row = copy.deepcopy(rows[i % len(rows)])
        row.set("key", "X%03d" % i)
        by.append(row)
    rows[0].set("key", "KZ-" + "Ж" * 120)
    for row, attr, value in ((rows[1], "current", "-7"), (rows[2], "previous", "1e999"),
                             (rows[3], "current", "nan")):
        row.find("r:figure[@id='incidents.total']", NS).set(attr, value)
    cats = root.find("r:section[@id='categories']", NS)
    cats.find("r:figure", NS).set("current", "9" * 3000)
    ET.SubElement(cats, "{%s}figure" % NS["r"], {
        "id": "figure." + "очень-длинный-" * 30, "current": "1", "previous": "0",
        "change": "1"})
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def check_crafted_pdf(d, token, cat):
    """A report of 200 regions and overlong values (from a stand-in daemon):
    the PDF is made without a word from cairo, pango or GLib; every word stays
    on its page within the margins (a long value is cut with an ellipsis in
    its cell, a long label after three lines); the chart shows as many
    regions as fit a page and says how many it leaves out; the tables list
    them all."""
    st, _, xml = d.request("GET", "/api/v1/reports/quarterly/2025-Q1", token=token)
    assert st == 200, st
    fake = FakeDaemon(crafted_report(xml, 200))
    path = os.path.join(d.dir, "crafted.pdf")
    try:
        with bare_client_env():
            p = d.nadzor("--url", fake.url, "report", "quarterly", "2025-Q1", "--format",
                         "pdf", "--lang", "ru", "-o", path, token=token)
    finally:
        fake.close()
    assert p.returncode == 0 and p.stderr == b"", (p.returncode, p.stderr.decode()[-2000:])
    words = pdf_words(path)
    off = [w for w in words if w[2] < PDF_MARGIN - 1 or w[4] > PDF_W - PDF_MARGIN + 1
           or w[3] < PDF_MARGIN - 1 or w[5] > PDF_H]
    assert not off, off[:5]
    # pdftotext reads a cut text whole (cairo keeps it beside the glyphs
    # drawn): what was cut shows in how little room its words take.
    value = [w for w in words if w[1].startswith("9" * 200)]
    assert len(value) == 1 and value[0][4] - value[0][2] <= 58 and \
        value[0][5] - value[0][3] < 12, value
    code = [w for w in words if w[1].startswith("KZ-ЖЖЖ")]
    assert len(code) >= 2 and all(w[4] - w[2] <= 60 and w[5] - w[3] < 12 for w in code), code
    label = [w for w in words if "очень-длинный-" in w[1]]
    assert label and len({round(w[3]) for w in label}) <= 3, label
    drawn = " ".join(pdf_text(path, mode="-raw").split())
    more = re.escape(cat["chart.more"]).replace(re.escape("{n}"), r"(\d+)")
    m = re.search(more, drawn)
    assert m, drawn[:3000]
    shown = [w[1] for w in words if w[0] == 1 and w[2] < PDF_MARGIN + 1 and
             re.fullmatch(r"X\d{3}|KZ-.*|MIL|TRN", w[1])]
    assert 20 <= len(shown) < 200 and len(shown) + int(m.group(1)) == 200, (len(shown), m.group(0))
    missing = [k for k in ["X%03d" % i for i in range(200 - len(REGIONS))] if " %s " % k not in drawn]
    assert not missing, missing[:10]
    n = pdf_pages(path)
    for i in (1, n):
        assert cat["page.n-of-m"].format(n=i, m=n) in pdf_lines(pdf_text(path, i)), (path, i)


def test_reports_pdf_many_regions_and_bad_options():
    """Every region: the tables run over many pages, each repeating its header
    row; the chart has a bar pair per region.  A wrong --format, --lang or
    kind is named, with exit code 2; NADZOR_LOCALEDIR picks the catalogues."""
    d = Daemon().start()
    try:
        clerk = d.user("clerk", "region", *REGIONS)
        analyst = d.user("an", "analyst")
        expected = {}
        # Region i: i % 3 + 1 incidents this quarter, one last year when i is even.
        for i, region in enumerate(REGIONS):
            now, then = i % 3 + 1, 1 - i % 2
            for k in range(now):
                st, b = d.post(incident("R%d-%d" % (i, k), region, "2025-02-%02dT10:00:00+05:00"
                                        % (k + 1), "2025-02-%02dT10:30:00+05:00" % (k + 1),
                                        ["self-harm"]), clerk)
                assert st == 201, (region, st, b)
            if then:
                st, b = d.post(incident("P%d" % i, region, "2024-02-01T10:00:00+06:00",
                                        "2024-02-01T10:30:00+06:00", ["escape"]), clerk)
                assert st == 201, (region, st, b)
            pct = "%.1f" % ((now - then) * 100.0 / then) if then else None
            expected[("by-region", region, "incidents.total")] = (
                str(now), str(then), str(now - then), pct)
        cat = catalogue("ru")
        with bare_client_env():
            path, n, text = check_pdf(d, analyst, "ru", cat, expected)
        assert n >= 5, n
        # Page 1 holds the title block and the chart: a bar pair per region.
        first = pdf_lines(pdf_text(path, 1))
        assert cat["chart.title"] in first
        assert [r for r in REGIONS if not any(l.split()[0] == r for l in first)] == []
        # Every later page starts a table again with its header row; the
        # 22 regions' compliance rows run over several pages.
        assert check_pdf_breaks(path, n, cat) >= 2
        assert pdf_lines(pdf_text(path, 2))[0].startswith(cat["col.figure"] + " ")
        check_crafted_pdf(d, analyst, cat)

        # Wrong options are named, before the daemon is asked.
        for args, words in ((("--format", "docx"), b"unknown --format 'docx'; one of xml csv html pdf"),
                            (("--lang", "de"), b"unknown --lang 'de'; one of ru kk en"),
                            (("--lang", ""), b"unknown --lang ''"),
                            (("--format", "PDF"), b"unknown --format 'PDF'")):
            p = d.nadzor("report", "quarterly", "2025-Q1", *args, token=analyst)
            assert p.returncode == 2 and words in p.stderr and p.stdout == b"", (args, p)
        p = d.nadzor("report", "weekly", "2025-W01", "--format", "pdf", token=analyst)
        assert p.returncode == 2 and b"unknown kind of report 'weekly'" in p.stderr, p

        # NADZOR_LOCALEDIR: another catalogue, and a missing one (ids, said).
        loc = os.path.join(d.dir, "locale")
        os.makedirs(os.path.join(loc, "en", "LC_MESSAGES"))
        with open(os.path.join(PO, "en.po"), encoding="utf-8") as f:
            po = f.read().replace('msgstr "Incidents, total"', 'msgstr "All incidents (test)"')
        with open(os.path.join(d.dir, "en.po"), "w", encoding="utf-8") as f:
            f.write(po)
        subprocess.run(["msgfmt", "-o", os.path.join(loc, "en", "LC_MESSAGES", "nadzor.mo"),
                        os.path.join(d.dir, "en.po")], check=True)
        os.environ["NADZOR_LOCALEDIR"] = loc
        try:
            out = report(d, analyst, "csv", "en").decode()
            assert "by-region,incidents.total,All incidents (test),KZ-71," in out, out[:300]
            p = d.nadzor("report", "quarterly", "2025-Q1", "--format", "csv", "--lang", "kk",
                         token=analyst)
            assert p.returncode == 0 and b"no catalogue" in p.stderr, p.stderr
            assert b"by-region,incidents.total,incidents.total,KZ-71," in p.stdout
        finally:
            del os.environ["NADZOR_LOCALEDIR"]
    finally:
        d.cleanup()


def test_reports_output_file_whole_or_untouched():
    """-o FILE is written whole or not at all: a report that cannot be made
    (a refusal, a usage error, a stylesheet that is not there, an answer that
    is not a report) leaves the FILE that was there as it was, and no
    temporary file; a good one replaces it, keeping its mode, and through a link
    replaces the file linked to.  A FILE that is not a regular file
    (/dev/stdout) is written in place."""
    d = Daemon().start()
    try:
        load(d)
        analyst = d.user("an", "analyst")
        regional = d.user("zh2", "region", "KZ-19")
        out = os.path.join(d.dir, "q1.html")

        def untouched(p, rc):
            assert p.returncode == rc, (rc, p.returncode, p.stderr)
            with open(out, "rb") as f:
                assert f.read() == b"GOOD", p.stderr
            assert not [n for n in os.listdir(d.dir) if n.startswith("q1.html.")], \
                os.listdir(d.dir)

        with open(out, "wb") as f:
            f.write(b"GOOD")
        os.chmod(out, 0o640)
        q = ("report", "quarterly", "2025-Q1", "--format", "html", "-o", out)
        untouched(d.nadzor(*q, "--region", "KZ-75", token=regional), 3)    # refused (403)
        untouched(d.nadzor(*q, "--lang", "de", token=analyst), 2)
        os.environ["NADZOR_REPORTS"] = os.path.join(d.dir, "no-such-dir")
        try:
            p = d.nadzor(*q, token=analyst)
        finally:
            del os.environ["NADZOR_REPORTS"]
        untouched(p, 1)
        assert b"cannot read the stylesheet" in p.stderr, p.stderr
        fake = FakeDaemon(b"<html>not a report</html>")
        try:
            p = d.nadzor("--url", fake.url, *q, token=analyst)
        finally:
            fake.close()
        untouched(p, 1)
        assert b"not a report" in p.stderr, p.stderr

        # A name someone planted beside FILE (a hard link to another file)
        # is never written: the new file is one of the client's own.
        victim = os.path.join(d.dir, "victim")
        with open(victim, "wb") as f:
            f.write(b"VICTIM")
        os.link(victim, out + ".tmp")
        p = d.nadzor(*q, token=analyst)
        assert p.returncode == 0 and p.stdout == b"" and not p.stderr, p.stderr
        with open(out, encoding="utf-8") as f:
            assert "Квартальный анализ" in f.read()
        assert stat.S_IMODE(os.stat(out).st_mode) == 0o640
        assert open(victim, "rb").read() == b"VICTIM"
        os.unlink(out + ".tmp")
        assert not [n for n in os.listdir(d.dir) if n.startswith("q1.html.")], os.listdir(d.dir)

        link = os.path.join(d.dir, "latest.csv")
        os.symlink("q1.html", link)
        p = d.nadzor("report", "quarterly", "2025-Q1", "--format", "csv", "-o", link,
                     token=analyst)
        assert p.returncode == 0, p.stderr
        assert os.path.islink(link) and open(out, encoding="utf-8").read().startswith("section,")
        dangling = os.path.join(d.dir, "next.csv")
        os.symlink("made-through-the-link.csv", dangling)
        p = d.nadzor("report", "quarterly", "2025-Q1", "--format", "csv", "-o", dangling,
                     token=analyst)
        assert p.returncode == 0, p.stderr
        assert os.path.islink(dangling), "the link was replaced"
        with open(os.path.join(d.dir, "made-through-the-link.csv"), encoding="utf-8") as f:
            assert f.read().startswith("section,")

        p = d.nadzor("report", "quarterly", "2025-Q1", "-o", "/dev/stdout", token=analyst)
        assert p.returncode == 0 and p.stdout.startswith(b"<?xml"), p.stderr
    finally:
        d.cleanup()
