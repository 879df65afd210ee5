#!/bin/sh
# SPDX-License-Identifier: ISC
# Print the path of a python3 that has moto and boto3 (exit 1 if none).
for py in "${PYTHON:-}" python3 /root/.pyenv/shims/python3 /usr/local/bin/python3 \
    /usr/bin/python3; do
	[ -n "$py" ] || continue
	if "$py" -c 'import moto, boto3, botocore' 2>/dev/null; then
		command -v "$py"
		exit 0
	fi
done
exit 1
