#!/bin/sh
# SPDX-License-Identifier: ISC
# Run every test suite against the build in $1 (default "."), show each
# suite's result and end with one summary line "N passed, N failed".
# Each suite prints its own "N passed, N failed" as its last such line; a
# suite that dies without one counts as one failure.
B=${1:-.}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
PYTHON=$(sh scripts/python.sh) || { echo "no python3 with moto"; exit 1; }
GETAWSLOG=$(cd "$B" && pwd)/getawslog
# The project's shared directory, when it sits beside the clone (the
# tests use their copies in tests/data without it).
if [ -z "${SHARED:-}" ] && [ -d "$top/../shared" ]; then
	SHARED=$(cd "$top/../shared" && pwd)
fi
export PYTHON GETAWSLOG SHARED
logdir=$(mktemp -d "${TMPDIR:-/tmp}/getawslog-tests.XXXXXX")
passed=0 failed=0 units=0

suite() {
	name=$1; shift
	"$@" >"$logdir/$name.log" 2>&1
	rc=$?
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$logdir/$name.log" | tail -n 1)
	p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	[ -n "$p" ] || { p=0; f=1; }
	[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || f=1
	passed=$((passed + p)); failed=$((failed + f))
	printf '%-22s %s passed, %s failed\n' "$name" "$p" "$f"
	if [ "$f" -gt 0 ]; then
		sed 's/^/    /' "$logdir/$name.log" | tail -n 60
	fi
}

for t in "$B"/tests/test_*; do
	# Compiled tests only: sources and scripts are run below (or not).
	case $(basename "$t") in *.*) continue ;; esac
	[ -x "$t" ] || continue
	suite "$(basename "$t")" "$t"
	units=$((units + 1))
done
if [ "$units" -eq 0 ]; then
	echo "no compiled tests in $B/tests: build them first (make check-build)"
	failed=$((failed + 1))
fi
for t in tests/test_*.py; do
	[ -f "$t" ] || continue
	suite "$(basename "$t" .py)" "$PYTHON" "$t"
done
rm -rf "$logdir"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
