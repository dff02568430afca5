"""run.py - run every test_* function of tests/integration/test_*.py.

Prints one line per test and closes with "N passed, N failed".
Arguments: names (substrings) of tests to run; none runs all.
"""
import importlib
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def main():
    want = sys.argv[1:]
    passed = failed = 0
    for fn in sorted(os.listdir(HERE)):
        if not (fn.startswith("test_") and fn.endswith(".py")):
            continue
        mod = importlib.import_module(fn[:-3])
        for name in sorted(n for n in dir(mod) if n.startswith("test_")):
            full = "%s.%s" % (fn[:-3], name)
            if want and not any(w in full for w in want):
                continue
            t0 = time.time()
            try:
                getattr(mod, name)()
                passed += 1
                print("ok   %-60s %6.2fs" % (full, time.time() - t0), flush=True)
            except Exception:
                failed += 1
                print("FAIL %s" % full, flush=True)
                traceback.print_exc(limit=6, file=sys.stdout)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
