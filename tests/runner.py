# SPDX-License-Identifier: ISC
"""The unittest runner of every Python suite here: verbose results on
stdout, then the suite's time and, last, the line tests/run.sh sums:
"N passed, N failed" (skipped tests are neither; they are counted on the
line before it). Test names on the command line run only those.

    if __name__ == "__main__":
        sys.exit(runner.main("faults"))
"""

import os
import sys
import time
import unittest


def build_dir():
    """Where the test drivers (tests/*_cli) are: $GETAWSLOG_BUILD, else
    the directory of $GETAWSLOG (what tests/run.sh sets), else "."."""
    b = os.environ.get("GETAWSLOG_BUILD")
    if b:
        return b
    g = os.environ.get("GETAWSLOG")
    return os.path.dirname(g) if g else "."


def main(label, module="__main__", argv=None, durations=False):
    """Run the tests of module (a name in sys.modules); 0 or 1 to exit."""
    mod = sys.modules[module]
    names = sys.argv[1:] if argv is None else argv
    loader = unittest.TestLoader()
    suite = (loader.loadTestsFromNames(names, mod) if names
             else loader.loadTestsFromModule(mod))
    kw = {}
    if durations and sys.version_info >= (3, 12):
        kw["durations"] = 5
    start = time.time()
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2,
                                     **kw).run(suite)
    reports = [t for t, _ in result.failures + result.errors] + \
        list(result.unexpectedSuccesses)
    failed = len(reports)

    def test_id(t):
        """The test a report is about (a subtest's own test); None for a
        class or module fixture's error, which is no test run."""
        t = getattr(t, "test_case", t)
        return t.id() if isinstance(t, unittest.TestCase) else None

    # One outcome a test: failed if any report names it, else skipped if
    # it (or one of its subtests) was skipped, else passed.
    bad = {test_id(t) for t in reports} - {None}
    skipped = {test_id(t) for t, _ in result.skipped} - {None} - bad
    passed = max(0, result.testsRun - len(bad) - len(skipped))
    print("%s: %.1f s" % (label, time.time() - start))
    if skipped:
        print("%d skipped" % len(skipped))
    print("%d passed, %d failed" % (passed, failed))
    sys.stdout.flush()
    return 1 if failed else 0


def finish(passed, failed, claims):
    """The end of a differential test: claims ({what: bool}) say that its
    generator of random cases made what the test claims to cover, each
    one a check; prints "N passed, N failed" and returns the exit status."""
    for what, ok in claims.items():
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL no case has %s" % what, file=sys.stderr)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


class Tally:
    """The count of a script-style suite (one that is no unittest): check()
    counts a check and prints a failure's FAIL line; done() prints the last
    line, "N passed, N failed", and gives the exit status."""

    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, what, detail=''):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print('FAIL %s %s' % (what, detail))

    def done(self):
        print('%d passed, %d failed' % (self.passed, self.failed))
        return 1 if self.failed else 0
