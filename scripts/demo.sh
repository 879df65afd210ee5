#!/bin/sh
# SPDX-License-Identifier: ISC
# make demo: start a local S3 (moto behind tests/s3env.py's SigV4-verifying
# front) on 127.0.0.1, seed the bucket demo-trail with a sample CloudTrail
# trail (log objects, a digest file, folder keys), run getawslog against it
# in raw mode with -d and then with -j, and show the logs it wrote.
# The servers are always stopped.  Exit status: non-zero if a run failed.
#
# usage: sh scripts/demo.sh [BINARY]      (default ./getawslog)
set -u
BIN=${1:-./getawslog}
top=$(cd "$(dirname "$0")/.." && pwd)
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
if [ ! -x "$BIN" ]; then
	echo "demo: $BIN is not built (run make)" >&2
	exit 1
fi
PY=$(sh "$top/scripts/python.sh") || {
	echo "demo: no python3 with moto and boto3 (see scripts/deps.sh)" >&2
	exit 1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/getawslog-demo.XXXXXX") || exit 1
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

AKID=AKIDDEMOEXAMPLE
SECRET=demo/secret+key
"$PY" "$top/tests/s3env.py" serve --port-file "$tmp/ports" \
    --cred "$AKID:$SECRET" >"$tmp/server.log" 2>&1 &
pid=$!
i=0
while [ ! -s "$tmp/ports" ]; do
	if ! kill -0 "$pid" 2>/dev/null; then
		pid=
		echo "demo: the local S3 server did not start:" >&2
		cat "$tmp/server.log" >&2
		exit 1
	fi
	i=$((i + 1))
	if [ "$i" -gt 600 ]; then
		echo "demo: the local S3 server did not start in 60 s" >&2
		exit 1
	fi
	sleep 0.1
done
front=$(sed -n 1p "$tmp/ports")
moto=$(sed -n 2p "$tmp/ports")
echo "==> local S3 on $front (moto at $moto behind a SigV4-verifying front)"

"$PY" "$top/tests/s3env.py" seed --moto "$moto" --bucket demo-trail \
    >"$tmp/keys" || { echo "demo: seeding failed" >&2; exit 1; }
echo "==> bucket demo-trail holds:"
sed 's/^/    /' "$tmp/keys"

mkdir "$tmp/home" "$tmp/cwd"
run() {
	(cd "$tmp/cwd" && env -i PATH="$PATH" HOME="$tmp/home" \
	    BOTO_CONFIG="$tmp/home/no-boto-config" AWS_ENDPOINT_URL="$front" \
	    AWS_ACCESS_KEY_ID="$AKID" AWS_SECRET_ACCESS_KEY="$SECRET" \
	    "$BIN" "$@")
}

status=0
echo
echo "==> getawslog -b demo-trail -l $tmp/amazon.log -d"
run -b demo-trail -l "$tmp/amazon.log" -d
rc=$?
echo "==> exit status $rc"
[ "$rc" -eq 0 ] || status=1
if [ -f "$tmp/amazon.log" ]; then
	size=$(wc -c <"$tmp/amazon.log")
	echo "==> amazon.log ($size bytes; raw mode: each object's JSON" \
	    "document and a newline), first 3000 bytes:"
	head -c 3000 "$tmp/amazon.log"
	echo
	echo "..."
fi

echo
echo "==> getawslog -b demo-trail -l $tmp/amazon-json.log -j"
run -b demo-trail -l "$tmp/amazon-json.log" -j
rc=$?
echo "==> exit status $rc"
[ "$rc" -eq 0 ] || status=1
if [ -f "$tmp/amazon-json.log" ]; then
	lines=$(wc -l <"$tmp/amazon-json.log")
	echo "==> amazon-json.log ($lines lines, one per CloudTrail record)," \
	    "first 8 lines cut at 400 characters:"
	head -n 8 "$tmp/amazon-json.log" | cut -c 1-400
fi

echo
if [ "$status" -eq 0 ]; then
	echo "==> demo OK"
else
	echo "==> demo FAILED" >&2
fi
exit "$status"
