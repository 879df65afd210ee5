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

    def listing(self):
        """{path: (mode string, owner/group)} of the .deb's data, as dpkg
        unpacks it (dpkg-deb -c), folders without their trailing /."""
        p = subprocess.run(["dpkg-deb", "-c", self.deb], capture_output=True,
                           check=True, text=True)
        out = {}
        for ln in p.stdout.splitlines():
            f = ln.split()
            out[f[5].rstrip("/").lstrip(".") or "/"] = (f[0], f[1])
        return out

    def test_folders(self):
        """Issue 19 item 11: the package makes the folder of the log that
        /etc/default/getawslog, the crontab line and the logrotate snippet
        name, and /var/lib/getawslog ships 0750 as debian/rules asks
        (dh_fixperms made it 0755)."""
        ls = self.listing()
        self.assertEqual(ls.get("/var/lib/getawslog"), ("drwxr-x---",
                                                        "root/root"))
        self.assertEqual(ls.get("/var/log/amazon"), ("drwxr-x---",
                                                     "root/root"))
        named = set()
        for f in ("etc/default/getawslog", "etc/logrotate.d/getawslog",
                  "usr/share/doc/getawslog/examples/getawslog.cron"):
            with open(os.path.join(self.root, f)) as fh:
                # -l LOG, -s STATE, and logrotate's files
                named |= set(re.findall(r"(?:-[ls] |^|\s)(/var/(?:log|lib)/"
                                        r"[\w-]+/[\w-]+\.\w+)\b",
                                        fh.read(), re.M))
        self.assertIn("/var/log/amazon/amazon.log", named)
        for path in named:
            if path.startswith("/var/lib/prometheus/"):
                continue        # node_exporter's, not ours
            with self.subTest(path):
                self.assertIn(os.path.dirname(path), ls)

    def unit(self, name):
        with open(os.path.join(self.root, "lib/systemd/system", name)) as f:
            return f.read()

    def test_units_hardened(self):
        """Issue 19 item 4: systemd-analyze security rates both services
        at most 3.0 ("OK"); they were 9.1, UNSAFE, as root."""
        if not shutil.which("systemd-analyze"):
            self.skipTest("systemd-analyze is missing")
        for name in ("getawslog.service", "getawslog-queue.service"):
            with self.subTest(name):
                p = subprocess.run(
                    ["systemd-analyze", "security", "--offline=yes",
                     os.path.join(self.root, "lib/systemd/system", name)],
                    capture_output=True, text=True)
                if "--offline" in p.stderr:
                    self.skipTest("systemd-analyze has no --offline (< 250)")
                m = re.search(r"Overall exposure level for \S+: "
                              r"(\d+\.\d+)", p.stdout)
                self.assertIsNotNone(m, p.stdout + p.stderr)
                self.assertLessEqual(float(m.group(1)), 3.0, p.stdout)
                text = self.unit(name)
                self.assertRegex(text, r"\nUser=getawslog\n")
                self.assertNotRegex(text, r"\nUser=root\b")

    def maintscript(self, name, *args, exists=False):
        """Run the package's maintainer script name with args, every
        command it may run a stub on an empty PATH that says what it was
        asked (nothing on this system changes): the stubs' lines. exists:
        the user and the overrides are there already."""
        ctl = os.path.join(self.tmp, "control")
        if not os.path.isdir(ctl):
            subprocess.run(["dpkg-deb", "-e", self.deb, ctl], check=True)
        stubs = tempfile.mkdtemp(dir=self.tmp)
        log = os.path.join(stubs, "calls")
        for cmd in ("adduser", "getent", "dpkg-statoverride", "chgrp", "rm",
                    "deb-systemd-helper", "deb-systemd-invoke", "systemctl",
                    "dpkg-maintscript-helper", "chown", "chmod"):
            # getent and dpkg-statoverride --list: found, or not.
            with open(os.path.join(stubs, cmd), "w") as f:
                f.write("#!/bin/sh\necho \"%s $*\" >> %s\n"
                        "case \"%s $1\" in getent*|*--list) exit %d;; esac"
                        "\nexit 0\n" % (cmd, log, cmd, 0 if exists else 1))
            os.chmod(os.path.join(stubs, cmd), 0o755)
        p = subprocess.run(["/bin/sh", os.path.join(ctl, name)] + list(args),
                           env={"PATH": stubs}, capture_output=True,
                           text=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        if not os.path.exists(log):
            return []
        with open(log) as f:
            return f.read().splitlines()

    def test_service_user_and_folders_agree(self):
        """Issue 19 item 4: postinst makes the user the units run as and
        gives it the folders they may write (dpkg-statoverride, so an
        upgrade keeps them); logrotate rotates and creates as that user;
        an upgrade changes nothing the admin set; purge drops the
        overrides and the state."""
        calls = self.maintscript("postinst", "configure")
        self.assertIn("adduser --system --group --quiet --home "
                      "/var/lib/getawslog --no-create-home getawslog", calls)
        self.assertIn("dpkg-statoverride --update --add getawslog getawslog "
                      "0750 /var/lib/getawslog", calls)
        self.assertIn("dpkg-statoverride --update --add getawslog getawslog "
                      "2750 /var/log/amazon", calls)
        again = self.maintscript("postinst", "configure", "0.1.0",
                                 exists=True)
        self.assertFalse([c for c in again if c.startswith("adduser") or
                          "--add" in c or c.startswith("chgrp")], again)
        purge = self.maintscript("postrm", "purge", exists=True)
        self.assertIn("dpkg-statoverride --remove /var/lib/getawslog", purge)
        self.assertIn("dpkg-statoverride --remove /var/log/amazon", purge)
        self.assertIn("rm -rf /var/lib/getawslog", purge)
        for name in ("getawslog.service", "getawslog-queue.service"):
            text = self.unit(name)
            rw = " ".join(re.findall(r"\nReadWritePaths=(.*)", text)).split()
            self.assertIn("/var/log/amazon", rw, name)
            self.assertIn("/var/lib/getawslog", rw, name)
            self.assertIn("\nGroup=getawslog\n", text)
        with open(os.path.join(self.root, "etc/logrotate.d/getawslog")) as f:
            rot = f.read()
        self.assertRegex(rot, r"\n\tsu getawslog getawslog\n")
        self.assertRegex(rot, r"\n\tcreate 0640 getawslog getawslog\n")
        if shutil.which("logrotate"):
            # Its syntax (the user does not exist here: root stands in).
            conf = os.path.join(self.tmp, "logrotate.conf")
            with open(conf, "w") as f:
                f.write(rot.replace("getawslog getawslog", "root root"))
            p = subprocess.run(["logrotate", "-d", conf],
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertNotIn("error:", p.stdout + p.stderr)

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
