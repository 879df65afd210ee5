#!/bin/sh
# SPDX-License-Identifier: ISC
# make valgrind: memcheck over the build in $1. Runs the unit test binaries
# under valgrind, and the integration suites with $GETAWSLOG a wrapper that
# runs the binary under valgrind. A memcheck error or a definite/indirect
# leak makes valgrind exit 99, which fails the test that ran it.
#
# Not the differential suites (test_flatten_diff, test_sigv4_diff: tens of
# thousands of runs of small drivers, hours under valgrind; the same code is
# in the unit tests) nor test_faults and test_incremental (SIGKILL timing
# and lock waits, minutes more; ASan covers them in make asan).
B=${1:?usage: valgrind.sh BUILD}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
: "${VALGRIND:=valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --quiet}"
PYTHON=$(sh scripts/python.sh) || { echo "no python3 with moto"; exit 1; }
# The project's shared directory, when it sits beside the clone (the
# tests use their copies in tests/data without it).
if [ -z "${SHARED:-}" ] && [ -d "$top/../shared" ]; then
	SHARED=$(cd "$top/../shared" && pwd)
fi
bin=$(cd "$B" && pwd)/getawslog
logdir=$(mktemp -d "${TMPDIR:-/tmp}/getawslog-valgrind.XXXXXX")
# The tests run the binary with a clean environment (PATH kept) from a
# temporary directory: the wrapper has absolute paths in it.
wrapper=$logdir/getawslog
vg=$(command -v valgrind) || { echo "no valgrind"; exit 1; }
cat >"$wrapper" <<EOW
#!/bin/sh
exec $vg ${VALGRIND#valgrind } --log-file=$logdir/vg.%p "$bin" "\$@"
EOW
chmod +x "$wrapper"
export PYTHON SHARED
passed=0 failed=0

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
	[ "$f" -eq 0 ] || sed 's/^/    /' "$logdir/$name.log" | tail -n 60
}

for t in "$B"/tests/test_*; do
	[ -x "$t" ] || continue
	suite "$(basename "$t")" $VALGRIND "$t"
done
for t in test_integration test_hostile; do
	GETAWSLOG=$wrapper suite "$t" "$PYTHON" "tests/$t.py"
done
# Every run of the binary left a log; any text in one is a report.
reports=0
for f in "$logdir"/vg.*; do
	[ -s "$f" ] || continue
	reports=$((reports + 1))
	[ "$reports" -le 3 ] && sed 's/^/    /' "$f" | head -n 40
done
runs=$(ls "$logdir" | grep -c '^vg\.')
echo "valgrind: $runs runs of getawslog, $reports with a report"
[ "$reports" -eq 0 ] || failed=$((failed + 1))
rm -rf "$logdir"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
