# SPDX-License-Identifier: ISC
"""py2ref.py - the flat and json lines to compare with: made by the real
CPython 2.7.18 (tests/py2script.py) wherever it is, by tests/py2model.py
where it is not.

  flat_lines(doc), json_lines(doc, basename)   as py2model's (BadDoc too)
  SOURCE                                       what makes them, to print
"""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import py2model  # noqa: E402
import realpy  # noqa: E402

BadDoc = py2model.BadDoc
_PY2 = realpy.python27()
_proc = None
if _PY2:
    SOURCE = 'the real CPython 2.7.18 (%s) running the script\'s code' % _PY2
else:
    SOURCE = ('the model (tests/py2model.py): no CPython 2.7.18 here '
              '(pyenv or $PYTHON27)')


def _ask(doc, fmt, base=''):
    global _proc
    if _proc is None:
        _proc = subprocess.Popen([_PY2, os.path.join(HERE, 'py2script.py')],
                                 stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE)
    job = {'doc': doc.decode('latin-1'), 'fmt': fmt, 'base': base,
           'max_depth': py2model.MAX_DEPTH}
    _proc.stdin.write((json.dumps(job) + '\n').encode())
    _proc.stdin.flush()
    ans = json.loads(_proc.stdout.readline())
    if 'bad' in ans:
        raise BadDoc(ans['bad'])
    return ans['out'].encode('latin-1')


def flat_lines(doc):
    return _ask(doc, 'flat') if _PY2 else py2model.flat_lines(doc)


def json_lines(doc, base):
    return _ask(doc, 'json', base) if _PY2 else \
        py2model.json_lines(doc, base)
