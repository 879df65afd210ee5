# SPDX-License-Identifier: ISC
"""realpy.py - where the real interpreters are, for the differential tests.

The output contracts are CPython 2.7.18's (the script getawslog.py ran on
it) and CPython 3.10's (the Python Wazuh 4 embeds, Unicode 13.0). A test
compares with the real interpreter wherever it is and says so; where it is
missing, it says what it compared with instead.

  python27()   path of CPython 2.7.18, or None ($PYTHON27 overrides)
  python310()  path of CPython 3.10.x, or None ($PYTHON310 overrides)
"""

import os
import subprocess


def _pyenv_root():
    try:
        p = subprocess.run(['pyenv', 'root'], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, timeout=30)
        if p.returncode == 0 and p.stdout.strip():
            return p.stdout.decode().strip()
    except (OSError, subprocess.TimeoutExpired):
        pass
    return os.path.expanduser('~/.pyenv')


def _find(env, version, want):
    path = os.environ.get(env)
    if not path:
        path = os.path.join(_pyenv_root(), 'versions', version, 'bin',
                            'python')
    if not os.access(path, os.X_OK):
        return None
    try:
        p = subprocess.run([path, '-c', 'import sys; print(sys.version)'],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = p.stdout.decode(errors='replace')
    return path if p.returncode == 0 and out.startswith(want) else None


def python27():
    return _find('PYTHON27', '2.7.18', '2.7.18')


def python310():
    return _find('PYTHON310', '3.10.13', '3.10.')
