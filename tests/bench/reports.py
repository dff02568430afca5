"""reports.py - make bench: the quarterly national analysis over ten years of records.

The data set: RECORDS records (ten years at a hundred times the national
volume) written by build/tests/bench-gen-reports into a database nadzord
made, so the schema and indexes are the real ones.  It is kept in
$NADZOR_BUILD/bench/ under the generator's version and reused.

report_s: GET /api/v1/reports/quarterly/PERIOD by a national analyst, the
median of RUNS after one warm-up.  report_ratio: report_s over the time the
sqlite3 command-line shell takes for the plain GROUP BY queries that give the
same figures for the period and its АППГ (BASELINE below), timed the same
way, in turn with the report on the same file.  Every figure of the report
is then checked against the baseline's counts: report_mismatches.
"""
import os
import resource
import statistics
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from datetime import datetime
from zoneinfo import ZoneInfo

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from harness import Daemon  # noqa: E402
from goal import figure, info  # noqa: E402

BUILD = os.path.join(ROOT, os.environ.get("NADZOR_BUILD", "build"))
GEN = os.path.join(BUILD, "tests", "bench-gen-reports")
RECORDS = int(os.environ.get("NADZOR_BENCH_RECORDS", "3000000"))
ANALYST = "bench-analyst"
YEAR, QUARTER = 2025, 1          # its АППГ, 2024-Q1, spans the move to UTC+5
RUNS = 5
NS = "{urn:nadzor:report:1}"

# The baseline: one plain query per breakdown, as an analyst would type them
# into sqlite3.  Each row is section|region|figure|value; a total that is the
# sum (or maximum) of a breakdown's rows is taken from them (derive below).
INC = "r.kind = 'incident' AND r.occurred >= {f} AND r.occurred < {t}"
ANY = ("(r.kind = 'incident' AND r.occurred >= {f} AND r.occurred < {t}"
       " OR r.kind = 'placement' AND r.decided >= {f} AND r.decided < {t}"
       " OR r.kind = 'npm-violation' AND r.established >= {f} AND r.established < {t}"
       " OR r.kind = 'special-regime' AND r.received >= {f} AND r.received < {t})")
COUNTED = "coalesce(p.role, '') NOT IN ('staff', 'witness')"
ACTION = "CROSS JOIN record a ON a.kind = 'action' AND a.region = r.region AND a.target = r.ref"
ALLEGED = ("r.id IN (SELECT record FROM record_category"
           " WHERE category IN ('torture', 'impermissible-measures'))")
PERSONS = "FROM record r JOIN person p ON p.record = r.id WHERE " + INC + " AND " + COUNTED
AGE = ("CAST(strftime('%Y', r.occurred + r.utcoff, 'unixepoch') AS INTEGER)"
       " - CAST(substr(p.born, 1, 4) AS INTEGER)"
       " - (strftime('%m-%d', r.occurred + r.utcoff, 'unixepoch') < substr(p.born, 6, 5))")
DELAYS = ("FROM finding f JOIN record r ON r.id = f.record"
          " WHERE f.kind = 'reporting-delay' AND f.seconds IS NOT NULL AND " + INC)
BASELINE = [
    "SELECT 'by-region', r.region, 'incidents.total', count(*) FROM record r"
    " WHERE " + INC + " GROUP BY r.region",
    "SELECT 'categories', '', 'category.' || c.category, count(*) FROM record r"
    " JOIN record_category c ON c.record = r.id WHERE " + INC + " GROUP BY c.category",
    "SELECT 'self-harm', '', 'self-harm.persons', count(*) FROM record r"
    " JOIN record_category c ON c.record = r.id AND c.category = 'self-harm'"
    " JOIN person p ON p.record = r.id WHERE " + INC + " AND " + COUNTED,
    "SELECT 'allegations', '', 'allegations.incidents', count(*) FROM record r"
    " WHERE " + INC + " AND " + ALLEGED,
    "SELECT 'allegations', '', 'allegations.erdr', count(*) FROM record r " + ACTION +
    " JOIN measure m ON m.record = a.id AND m.kind = 'erdr' WHERE " + INC + " AND " + ALLEGED,
    "SELECT 'checks', '', a.rule || '.' || coalesce(a.outcome, '-'), count(*) FROM record r "
    + ACTION + " AND a.rule IN ('review-48h', 'conclusion') WHERE " + ANY +
    " GROUP BY a.rule, a.outcome",
    "SELECT 'measures', '', 'measure.' || m.kind, count(*) FROM record r " + ACTION +
    " JOIN measure m ON m.record = a.id WHERE " + ANY + " GROUP BY m.kind",
    "SELECT 'by-region', r.region, 'persons.total', count(*) " + PERSONS + " GROUP BY r.region",
    "SELECT 'by-facility', '', 'facility.' || coalesce(r.facility_kind, 'unknown'), count(*)"
    " FROM record r WHERE " + INC + " GROUP BY r.facility_kind",
    "SELECT 'by-status', '', 'status.' || coalesce(p.status, 'unknown'), count(*) " + PERSONS +
    " GROUP BY p.status",
    "SELECT 'by-sex', '', 'sex.' || coalesce(p.sex, 'unknown'), count(*) " + PERSONS +
    " GROUP BY p.sex",
    "SELECT 'by-age', '', 'age.' || CASE WHEN age IS NULL THEN 'unknown' WHEN age < 18"
    " THEN 'under-18' WHEN age < 30 THEN '18-29' WHEN age < 50 THEN '30-49' ELSE"
    " '50-plus' END band, count(*) FROM (SELECT CASE WHEN p.born IS NOT NULL THEN " + AGE +
    " END age " + PERSONS + ") GROUP BY band",
    "SELECT 'compliance', r.region, 'compliance.' || o.rule || '.' || o.state, count(*)"
    " FROM record r JOIN obligation o ON o.record = r.id WHERE " + ANY +
    " AND o.rule IN ('call-1h', 'report-3h', 'review-48h') GROUP BY r.region, o.rule, o.state",
    "SELECT 'reporting-delay', r.region, 'delay.count', count(*) " + DELAYS +
    " GROUP BY r.region",
    "SELECT 'reporting-delay', r.region, 'delay.max-min', max(f.seconds) / 60.0 " + DELAYS +
    " GROUP BY r.region",
    "SELECT 'reporting-delay', '', 'delay.median-min', avg(s) / 60.0 FROM (SELECT f.seconds s,"
    " row_number() OVER (ORDER BY f.seconds) rn, count(*) OVER () n " + DELAYS +
    ") WHERE rn IN ((n + 1) / 2, (n + 2) / 2) HAVING count(*) > 0",
    "SELECT 'reporting-delay', reg, 'delay.median-min', avg(s) / 60.0 FROM (SELECT r.region reg,"
    " f.seconds s, row_number() OVER (PARTITION BY r.region ORDER BY f.seconds) rn,"
    " count(*) OVER (PARTITION BY r.region) n " + DELAYS + ") WHERE rn IN ((n + 1) / 2,"
    " (n + 2) / 2) GROUP BY reg",
]


def bounds(year, quarter):
    """The quarter's local (Almaty) midnights as epoch seconds."""
    z = ZoneInfo("Asia/Almaty")
    m = 3 * quarter - 2
    end = datetime(year + (m + 3 > 12), (m + 2) % 12 + 1, 1, tzinfo=z)
    return int(datetime(year, m, 1, tzinfo=z).timestamp()), int(end.timestamp())


def baseline_sql():
    """Both periods' queries as one script for the sqlite3 shell."""
    out = []
    for which, (f, t) in (("0", bounds(YEAR, QUARTER)), ("1", bounds(YEAR - 1, QUARTER))):
        for q in BASELINE:
            out.append(q.replace("SELECT ", "SELECT %s, " % which, 1)
                       .replace("{f}", str(f)).replace("{t}", str(t)) + ";")
    return "\n".join(out) + "\n"


def derive(fig):
    """The totals the report also shows, from the breakdowns' rows."""
    for w in (0, 1):
        def rows(section, ident):
            return [v for (s, r, i, ww), v in fig.items()
                    if s == section and i == ident and r and ww == w]
        fig[("categories", "", "incidents.total", w)] = sum(rows("by-region", "incidents.total"))
        fig[("self-harm", "", "self-harm.incidents", w)] = fig.get(
            ("categories", "", "category.self-harm", w), 0)
        fig[("checks", "", "review-48h.total", w)] = sum(
            v for (s, r, i, ww), v in fig.items()
            if s == "checks" and i.startswith("review-48h.") and ww == w)
        fig[("checks", "", "persons.released", w)] = fig.get(("measures", "", "measure.release", w), 0)
        for (s, r, i, ww), v in list(fig.items()):
            if s == "compliance" and r and ww == w:
                k = (s, "", i, w)
                fig[k] = fig.get(k, 0) + v
        fig[("reporting-delay", "", "delay.count", w)] = sum(rows("reporting-delay", "delay.count"))
        m = rows("reporting-delay", "delay.max-min")
        if m:
            fig[("reporting-delay", "", "delay.max-min", w)] = max(m)
    return fig


def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_baseline(db, sql):
    """The sqlite3 shell on the script; (seconds, CPU seconds, figures)."""
    c0 = child_cpu()
    t0 = time.perf_counter()
    out = subprocess.run(["sqlite3", "-readonly", "-batch", db], input=sql,
                         capture_output=True, text=True, check=True).stdout
    dt = time.perf_counter() - t0
    cpu = child_cpu() - c0
    fig = {}
    for line in out.splitlines():
        w, s, r, i, v = line.split("|")
        fig[(s, r, i, int(w))] = float(v)
    return dt, cpu, derive(fig)


def process_cpu(pid):
    """CPU seconds of the whole process, threads that have ended included
    (the АППГ's thread lives for one report)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_report(d, tok, period):
    """The report over HTTP; (seconds, CPU seconds of the daemon, body)."""
    c0 = process_cpu(d.proc.pid)
    t0 = time.perf_counter()
    st, _, body = d.request("GET", "/api/v1/reports/quarterly/" + period, token=tok, timeout=600)
    dt = time.perf_counter() - t0
    cpu = process_cpu(d.proc.pid) - c0
    if st != 200:
        raise SystemExit("report: answer %d: %s" % (st, body[:300]))
    return dt, cpu, body


def as_text(v):
    """A value as the report writes it (report.c fig_value)."""
    return "%.0f" % v if v == int(v) else "%.1f" % v


def check(body, base):
    """Figures of the report that differ from the baseline's: (checked, [differences])."""
    root = ET.fromstring(body)
    f, t = bounds(YEAR, QUARTER)
    pf, pt = bounds(YEAR - 1, QUARTER)
    bad = []
    for attr, want in (("from", f), ("to", t), ("previous-from", pf), ("previous-to", pt)):
        got = datetime.strptime(root.get(attr), "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=ZoneInfo("UTC")).timestamp()
        if got != want:
            bad.append("%s %s, not %d" % (attr, root.get(attr), want))
    n = 0
    for sec in root.iter(NS + "section"):
        figs = [("", el) for el in sec.findall(NS + "figure")]
        for row in sec.findall(NS + "row"):
            figs += [(row.get("key"), el) for el in row.findall(NS + "figure")]
        for region, el in figs:
            for w, attr in ((0, "current"), (1, "previous")):
                want = as_text(base.get((sec.get("id"), region, el.get("id"), w), 0))
                n += 1
                if el.get(attr) != want:
                    bad.append("%s %s %s %s: report %s, baseline %s" % (
                        sec.get("id"), region or "-", el.get("id"), attr, el.get(attr), want))
    return n, bad


def bench_file():
    """The cached data set, made first if missing; (path, seconds to make it or None)."""
    ver = subprocess.run([GEN, "--version"], capture_output=True, text=True,
                         check=True).stdout.strip()
    cache = os.path.join(BUILD, "bench")
    name = "reports-g%s-n%d.db" % (ver, RECORDS)
    path = os.path.join(cache, name)
    if os.path.exists(path):
        return path, None
    os.makedirs(cache, exist_ok=True)
    for old in os.listdir(cache):          # other versions: gigabytes each
        if old.startswith("reports-") and not old.startswith(name + "-"):
            os.unlink(os.path.join(cache, old))
    print("# reports: making the data set once, %d records (a few minutes): %s"
          % (RECORDS, path), flush=True)
    part = path + ".part"
    # nadzord makes the file: its schema, its meta (law, periodic duties).
    d = Daemon(db=part).start()
    try:
        d.user(ANALYST, "analyst")
    finally:
        d.cleanup()
    t0 = time.time()
    out = subprocess.run([GEN, part, str(RECORDS)], capture_output=True, text=True, check=True)
    made = time.time() - t0
    print("# " + out.stdout.strip(), flush=True)
    os.rename(part, path)
    return path, made


def main():
    path, made = bench_file()
    size = os.path.getsize(path)
    period = "%d-Q%d" % (YEAR, QUARTER)
    sql = baseline_sql()
    d = Daemon(db=path)
    try:
        # nadzord first: a new migration may index 3M rows, longer than
        # the client's time limit.
        d.start(wait=False)
        d.wait_ready(timeout=600)
        tok = d.nadzor("user", "rotate-token", ANALYST, db=True).stdout.decode().strip()
        run_report(d, tok, period)          # warm-up, both
        run_baseline(path, sql)
        rep, base, rcpu, bcpu = [], [], [], []
        for _ in range(RUNS):
            dt, cpu, body = run_report(d, tok, period)
            rep.append(dt)
            rcpu.append(cpu)
            dt, cpu, fig = run_baseline(path, sql)
            base.append(dt)
            bcpu.append(cpu)
    finally:
        d.cleanup()
    checked, bad = check(body, fig)
    if made is not None:
        print("# reports: %d records generated in %.0f s (%s)" % (RECORDS, made, path))
    else:
        print("# reports: %d records reused from %s" % (RECORDS, path))
    print("# reports: %.1f GB file; quarterly %s national, median of %d after a warm-up:"
          " report %s s, sqlite3 shell %s s (%d queries x 2 periods)"
          % (size / 1e9, period, RUNS, " ".join("%.2f" % x for x in rep),
             " ".join("%.2f" % x for x in base), len(BASELINE)))
    print("# reports: %d figures (current and АППГ) compared with the baseline's counts"
          % checked)
    for b in bad[:20]:
        print("# MISMATCH " + b)
    r, b = statistics.median(rep), statistics.median(base)
    rc, bc = statistics.median(rcpu), statistics.median(bcpu)
    figure("report_s", r, "<1")
    figure("report_ratio", r / b, "<=2")
    figure("report_mismatches", len(bad), "<=0", "%d")
    info("report_baseline_s", b, "sqlite3 shell, same figures")
    # CPU seconds: what a busy machine does not inflate as much as wall time.
    info("report_cpu_s", rc, "nadzord's CPU per report")
    info("report_cpu_ratio", rc / bc, "the same over the sqlite3 shell's CPU")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
