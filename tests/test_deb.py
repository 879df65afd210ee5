#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""The Debian package: dpkg-buildpackage -us -uc -b in a copy of the tree
(the files git knows, committed or not), then the .deb is unpacked with
dpkg-deb -x (the system is left alone) and checked: the binary runs
(--version), the man page, the systemd units, the logrotate snippet and the
default file are where Debian puts them.  Skipped (counted as passed with a
note) only when dpkg-buildpackage or dh is not installed and we cannot
install them; CI installs them (scripts/deps.sh).  Last line: "N passed,
N failed"."""

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
                  "etc/logrotate.d/getawslog", "etc/default/getawslog",
                  "usr/share/doc/getawslog/copyright"):
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

    def test_control(self):
        p = subprocess.run(["dpkg-deb", "-f", self.deb, "Package", "Depends"],
                           capture_output=True, check=True)
        self.assertIn(b"Package: getawslog", p.stdout)
        self.assertIn(b"libcurl", p.stdout)


if __name__ == "__main__":
    sys.exit(runner.main("deb"))
