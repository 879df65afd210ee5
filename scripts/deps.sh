#!/bin/sh
# SPDX-License-Identifier: ISC
# Install the Debian packages that getawslog's build and tests need, when
# they are missing. As root it runs apt-get; otherwise it says what to run.
# "deps.sh bench" adds what only the benchmark runs beside getawslog (bench
# h: aws s3 sync and rclone copy).
set -eu

pkgs="make gcc pkg-config libcurl4-openssl-dev libssl-dev zlib1g-dev \
libcjson-dev libinih-dev libexpat1-dev libsqlite3-dev libisal-dev isal sqlite3 \
mandoc dpkg-dev debhelper fakeroot lintian \
ca-certificates openssl strace valgrind clang-14 libclang-rt-14-dev nginx-light"
if [ "${1:-}" = bench ]; then
	pkgs="$pkgs awscli rclone"
fi
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
	    missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing packages:$missing" >&2
		echo "deps: run as root: apt-get install$missing" >&2
		exit 1
	fi
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq $missing >/dev/null
fi

# tests/test_metrics_run.py reads --metrics' file with Prometheus's own tools:
# node_exporter's textfile collector, and promtool (check metrics, the
# contrib/ alert rules). They are unpacked from Debian's packages into
# build/tools, not installed: no daemon, no user, no service started.
tools="$(cd "$(dirname "$0")/.." && pwd)/build/tools"
need=
[ -x "$tools/usr/bin/prometheus-node-exporter" ] ||
    need="$need prometheus-node-exporter:./usr/bin/prometheus-node-exporter"
[ -x "$tools/usr/bin/promtool" ] || need="$need prometheus:./usr/bin/promtool"
if [ -n "$need" ]; then
	dl=$(mktemp -d "${TMPDIR:-/tmp}/getawslog-deps.XXXXXX")
	mkdir -p "$tools"
	for pair in $need; do
		pkg=${pair%%:*} file=${pair#*:}
		echo "deps: unpacking $file of $pkg into build/tools"
		if ! (cd "$dl" && apt-get download -qq "$pkg" 2>/dev/null); then
			[ "$(id -u)" -eq 0 ] && apt-get update -qq
			(cd "$dl" && apt-get download -qq "$pkg" 2>/dev/null) || {
				echo "deps: cannot download $pkg" >&2
				rm -rf "$dl"
				exit 1
			}
		fi
		dpkg-deb --fsys-tarfile "$dl"/"$pkg"_*.deb |
		    tar -x -C "$tools" "$file"
		rm -f "$dl"/"$pkg"_*.deb
	done
	rm -rf "$dl"
fi

# The integration tests and the demo run moto's S3 server; find a Python
# that has moto 5 and boto3.
if ! sh "$(dirname "$0")/python.sh" >/dev/null; then
	echo "deps: no python3 with moto and boto3 found (tried python3 on PATH" >&2
	echo "deps: and /root/.pyenv/shims/python3); the integration tests need them" >&2
	exit 1
fi
