#!/bin/sh
# SPDX-License-Identifier: ISC
# Run each libFuzzer target for a bounded time: run.sh FZDIR SECONDS TARGET...
# Each target starts from its seeds (tests/fuzz/corpus/) and the inputs it
# found before (FZDIR/work/TARGET, kept between local runs). A crash, leak,
# sanitizer report or time-out fails the run; the input is left in
# FZDIR/artifacts/ and belongs in tests/fuzz/regress/TARGET/ once fixed,
# where test_fuzz replays it in make check.
fz=$1 seconds=$2
shift 2
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
mkdir -p "$fz/artifacts" "$fz/logs"
passed=0 failed=0
for t in "$@"; do
	case $t in
	flatten_* | convert) corpus=flatten ;;
	*) corpus=$t ;;
	esac
	work=$fz/work/$t
	mkdir -p "$work"
	# Past crashes first: clang's UBSan sees more than gcc's (make asan).
	regress=
	[ -d "tests/fuzz/regress/$t" ] && regress=tests/fuzz/regress/$t
	start=$(date +%s)
	"$fz/fuzz_$t" -max_total_time="$seconds" -timeout=10 \
	    -rss_limit_mb=2048 -max_len=65536 -close_fd_mask=3 \
	    -print_final_stats=1 -artifact_prefix="$fz/artifacts/$t-" \
	    "$work" "tests/fuzz/corpus/$corpus" $regress >"$fz/logs/$t.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
	    "$fz/logs/$t.log")
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		printf 'fuzz %-14s ok, %s runs in %ss\n' "$t" "${runs:-?}" \
		    "$(($(date +%s) - start))"
	else
		failed=$((failed + 1))
		printf 'fuzz %-14s FAILED (exit %s)\n' "$t" "$rc"
		grep -E 'ERROR|SUMMARY|Test unit written|==[0-9]+==' \
		    "$fz/logs/$t.log" | head -n 20 | sed 's/^/    /'
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
