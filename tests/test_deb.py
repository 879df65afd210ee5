#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""The Debian package: dpkg-buildpackage -us -uc -b in a copy of the tree
(the files git knows, committed or not), then the .deb is unpacked with
dpkg-deb -x (the system is left alone) and checked: the binary runs
(--version), the man page, the systemd units, the logrotate snippet and the
default file are where Debian puts them; lintian on the .changes reports
no error and no warning; the binary is hardened (fortified imports, stack
protector, PIE, RELRO, BIND_NOW).  Skipped (counted as passed with a note)
only when dpkg-buildpackage or dh is not installed and we cannot install
them; CI installs them (scripts/deps.sh).  The license: LICENSE is ISC, every
source file says so in its first lines, debian/copyright is machine-readable.
Last line: "N passed, N failed"."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# What an SPDX line looks like in each kind of source file, and which files
# are sources: tests/data and the fuzz inputs are data with licenses of
# their own (debian/copyright).
SPDX_C = "/* SPDX-License-Identifier: ISC */"
SPDX_SH = "# SPDX-License-Identifier: ISC"
SPDX_MAN = '.\\" SPDX-License-Identifier: ISC'
SOURCE_NAMES = ("Makefile", "debian/rules", ".ci/run")
SOURCE_EXTS = (".c", ".h", ".py", ".sh", ".1")
NOT_SOURCES = ("tests/data/", "tests/fuzz/corpus/", "tests/fuzz/regress/")


def version():
    with open(os.path.join(TOP, "Makefile")) as f:
        return re.search(r"^VERSION\s*=\s*(\S+)", f.read(), re.M).group(1)


class Deb(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not shutil.which("dpkg-buildpackage") or not shutil.which("dh"):
            raise unittest.SkipTest("dpkg-buildpackage or dh missing")
        cls.tmp = tempfile.mkdtemp(prefix="getawslog-deb.")
        src = os.path.join(cls.tmp, "getawslog-" + version())
        files = subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=TOP,
            check=True, capture_output=True).stdout.split(b"\0")
        for f in files:
            if not f:
                continue
            f = f.decode()
            s, d = os.path.join(TOP, f), os.path.join(src, f)
            if not os.path.lexists(s):
                continue
            os.makedirs(os.path.dirname(d), exist_ok=True)
            if os.path.islink(s):
                os.symlink(os.readlink(s), d)
            else:
                shutil.copy2(s, d)
        env = dict(os.environ)
        for k in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "B"):
            env.pop(k, None)
        # dpkg-buildpackage would pick up the suite's build directory B.
        cls.build = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-b"],
                                   cwd=src, env=env, capture_output=True,
                                   timeout=600)
        debs = [n for n in os.listdir(cls.tmp)
                if re.match(r"getawslog_.*\.deb$", n)]
        cls.deb = os.path.join(cls.tmp, debs[0]) if debs else None
        changes = [n for n in os.listdir(cls.tmp)
                   if re.match(r"getawslog_.*\.changes$", n)]
        cls.changes = os.path.join(cls.tmp, changes[0]) if changes else None
        cls.root = os.path.join(cls.tmp, "root")
        if cls.deb:
            subprocess.run(["dpkg-deb", "-x", cls.deb, cls.root], check=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_builds(self):
        self.assertEqual(self.build.returncode, 0,
                         self.build.stdout[-3000:] + self.build.stderr[-3000:])
        self.assertIsNotNone(self.deb)

    def test_version_runs(self):
        p = subprocess.run([os.path.join(self.root, "usr/bin/getawslog"),
                            "--version"], capture_output=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, ("getawslog %s\n" % version()).encode())

    def test_man_page(self):
        man = os.path.join(self.root, "usr/share/man/man1/getawslog.1.gz")
        self.assertTrue(os.path.exists(man))
        if shutil.which("mandoc"):
            p = subprocess.run(["mandoc", "-Tascii", man], capture_output=True)
            self.assertEqual(p.returncode, 0)
            text = re.sub(rb".\x08", b"", p.stdout)
            self.assertIn(b"credential_process", text, "not this man page")

    def test_files(self):
        for f in ("lib/systemd/system/getawslog.service",
                  "lib/systemd/system/getawslog.timer",
                  "lib/systemd/system/getawslog-queue.service",
                  "etc/logrotate.d/getawslog", "etc/default/getawslog",
                  "usr/share/doc/getawslog/copyright",
                  "usr/share/doc/getawslog/examples/getawslog.rules.yml"):
            self.assertTrue(os.path.exists(os.path.join(self.root, f)), f)

    def test_dist(self):
        """make dist: a tarball of HEAD under getawslog-VERSION/."""
        if not os.path.exists(os.path.join(TOP, ".git")):
            self.skipTest("not a git checkout")
        out = os.path.join(self.tmp, "dist")
        os.makedirs(out)
        v = version()
        env = {k: x for k, x in os.environ.items()
               if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
        p = subprocess.run(["make", "--no-print-directory", "dist"], cwd=TOP,
                           env=env, capture_output=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        made = os.path.join(TOP, "getawslog-%s.tar.gz" % v)
        shutil.move(made, os.path.join(out, "t.tar.gz"))
        import tarfile
        with tarfile.open(os.path.join(out, "t.tar.gz")) as t:
            names = set(t.getnames())
        for f in ("Makefile", "creds.c", "getawslog.1", "debian/control",
                  "contrib/getawslog.timer"):
            self.assertIn("getawslog-%s/%s" % (v, f), names)

    def test_lintian(self):
        """lintian on the .changes (both .debs and the .buildinfo): no
        error, no warning."""
        if not shutil.which("lintian"):
            self.fail("lintian is not installed (make deps)")
        self.assertIsNotNone(self.changes, "no .changes was built")
        p = subprocess.run(["lintian", self.changes], capture_output=True,
                           timeout=600)
        tags = [ln for ln in p.stdout.decode(errors="replace").splitlines()
                if re.match(r"[EW]: ", ln)]
        self.assertEqual(tags, [], "lintian complains")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def readelf(self, *args):
        p = subprocess.run(["readelf", "-W"] + list(args) +
                           [os.path.join(self.root, "usr/bin/getawslog")],
                           capture_output=True, check=True)
        return p.stdout.decode()

    def test_fortified(self):
        """Built with -D_FORTIFY_SOURCE=2 (CPPFLAGS) and the stack
        protector: the binary imports glibc's checking variants."""
        imports = set(re.findall(r"\bUND[ \t]+([^\s@]+)",
                                 self.readelf("--dyn-syms")))
        self.assertIn("__stack_chk_fail", imports)
        fortified = sorted(n for n in imports if re.match(r"__\w+_chk$", n))
        self.assertIn("__snprintf_chk", fortified,
                      "no fortified snprintf: built without CPPFLAGS?")

    def test_pie_relro_bind_now(self):
        self.assertRegex(self.readelf("-h"), r"Type:\s+DYN\b")
        dyn = self.readelf("-d")
        self.assertRegex(dyn, r"\(FLAGS_1\)\s+Flags:.*\bPIE\b")
        self.assertRegex(dyn, r"\(BIND_NOW\)|\(FLAGS\)\s+.*\bBIND_NOW\b|"
                         r"\(FLAGS_1\)\s+Flags:.*\bNOW\b")
        self.assertRegex(self.readelf("-l"), r"\bGNU_RELRO\b")

    def test_copyright(self):
        """The installed copyright file is DEP-5 and names ISC for the
        project, Apache-2.0 for the AWS test suite."""
        with open(os.path.join(
                self.root, "usr/share/doc/getawslog/copyright")) as f:
            text = f.read()
        self.assertTrue(text.startswith(
            "Format: https://www.debian.org/doc/packaging-manuals/"
            "copyright-format/1.0/\n"))
        self.assertRegex(text, r"\nFiles: \*\nCopyright: 2026 The getawslog "
                         r"authors\nLicense: ISC\n")
        self.assertRegex(text, r"\nFiles: tests/data/sigv4/aws4_testsuite/\*"
                         r"\n(.+\n)*License: Apache-2.0\n")
        self.assertIn("\nLicense: ISC\n Permission to use, copy, modify", text)

    def test_control(self):
        p = subprocess.run(["dpkg-deb", "-f", self.deb, "Package", "Depends"],
                           capture_output=True, check=True)
        self.assertIn(b"Package: getawslog", p.stdout)
        self.assertIn(b"libcurl", p.stdout)


class License(unittest.TestCase):
    def test_license_file(self):
        with open(os.path.join(TOP, "LICENSE")) as f:
            text = f.read()
        self.assertTrue(text.startswith(
            "Copyright (c) 2026 The getawslog authors\n"))
        self.assertIn("Permission to use, copy, modify, and distribute this "
                      "software for any\npurpose with or without fee", text)

    def test_spdx_lines(self):
        """Every source file names ISC in its first line (the second after
        a #! line)."""
        if not os.path.exists(os.path.join(TOP, ".git")):
            self.skipTest("not a git checkout")
        files = subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard"], cwd=TOP,
            check=True, capture_output=True, text=True).stdout.split("\n")
        checked = 0
        for f in files:
            if (not f.endswith(SOURCE_EXTS) and f not in SOURCE_NAMES) or \
                    f.startswith(NOT_SOURCES) or \
                    not os.path.isfile(os.path.join(TOP, f)):
                continue
            with open(os.path.join(TOP, f), errors="replace") as fh:
                lines = [fh.readline().rstrip("\n") for _ in range(2)]
            first = lines[1] if lines[0].startswith("#!") else lines[0]
            want = (SPDX_C if f.endswith((".c", ".h")) else
                    SPDX_MAN if f.endswith(".1") else SPDX_SH)
            with self.subTest(f):
                self.assertEqual(first, want)
            checked += 1
        self.assertGreater(checked, 40)


if __name__ == "__main__":
    sys.exit(runner.main("deb"))
