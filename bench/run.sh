#!/bin/sh
# SPDX-License-Identifier: ISC
# Build getawslog and run the benchmark (bench/run.py) with a Python 3 that
# has moto and boto3.  Arguments go to run.py: --quick, --reps N, --check...
set -e
cd "$(dirname "$0")/.."
make getawslog >&2
PY=$(sh scripts/python.sh) || {
	echo "bench: no python3 with moto and boto3 (make deps)" >&2
	exit 1
}
exec "$PY" bench/run.py "$@"
