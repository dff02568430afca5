#!/usr/bin/env python3
"""writer-cost.py - the writer thread's instructions per stored record,
counted by callgrind: repeatable whatever else the machine is doing, so a
schema or writer change can be judged where a timed run is noise.

    python3 tests/bench/writer-cost.py [N]
        N records (default 1000), each posted alone, into a nadzord under
        callgrind; prints writer_instr_per_record=...
    NADZOR_BIN_BASE=DIR python3 tests/bench/writer-cost.py [N]
        the same for the nadzord in DIR first (an older build, say), then
        writer_instr_ratio=new/base.

Each record is a late incident: its duties are overdue on arrival, so the
writer also stores their alerts.  The count includes the start-up (schema
check, first statements), the same for both binaries."""
import glob
import os
import sys
import tempfile

os.environ["NADZOR_VALGRIND"] = "1"     # the harness's longer waits
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness                          # noqa: E402
from harness import Daemon, incident   # noqa: E402


def measure(bindir, n):
    """Writer instructions for n records stored by bindir's nadzord."""
    out = tempfile.mkdtemp(prefix="nadzor-callgrind-")

    class Counted(Daemon):
        def under_valgrind(self, args):
            if os.path.basename(args[0]) != "nadzord":
                return args             # the client as it is
            return ["valgrind", "--tool=callgrind", "--separate-threads=yes",
                    "--vgdb=no", "--callgrind-out-file=" + os.path.join(out, "cg.%p")] + args

    harness.BIN = bindir
    d = Counted().start()
    try:
        alm = d.user("alm", "region", "KZ-75")
        for i in range(n):
            st = d.post(incident("WC-%06d" % i), alm)[0]
            assert st == 201, st
    finally:
        d.stop()
    # The writer is the thread whose profile has the writer's own code.
    for f in glob.glob(os.path.join(out, "cg.*-*")):
        text = open(f, errors="replace").read()
        if "writer_group" in text:
            for line in text.splitlines():
                if line.startswith(("summary:", "totals:")):
                    return int(line.split()[1])
    raise SystemExit("writer-cost: no writer thread among " + out)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    new = measure(harness.BIN, n)
    print("writer_instr_per_record=%d (%d records)" % (new // n, n))
    base = os.environ.get("NADZOR_BIN_BASE")
    if base:
        old = measure(os.path.abspath(base), n)
        print("writer_instr_per_record_base=%d" % (old // n))
        print("writer_instr_ratio=%.2f (this build over the base)" % (new / old))


if __name__ == "__main__":
    main()
