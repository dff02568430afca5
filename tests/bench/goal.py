"""goal.py - make bench: one line per figure, name=value with its goal.

figure("report_s", 0.42, "<1") prints "report_s=0.42 goal<1 ok" (or MISSED);
info() prints a figure that has no goal, with what it tells.
"""
import operator
import re

OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def figure(name, value, goal, fmt="%.2f"):
    """Print name=value and whether it meets goal ("<1", ">=5"); True if it does."""
    m = re.fullmatch(r"(<=|>=|<|>)([0-9.]+)", goal)
    ok = OPS[m.group(1)](value, float(m.group(2)))
    print("%s=%s goal%s %s" % (name, fmt % value, goal, "ok" if ok else "MISSED"),
          flush=True)
    return ok


def info(name, value, note, fmt="%.2f"):
    """Print a figure without a goal."""
    print("%s=%s (%s)" % (name, fmt % value, note), flush=True)
