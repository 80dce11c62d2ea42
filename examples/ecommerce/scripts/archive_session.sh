#!/bin/sh
# Archive the session's raw, enriched and model files as
# <data_root>/archive/session_<session_date_compact>.tar.gz.
#
# Environment: data_dir, data_root, session_date_compact
set -eu

: "${data_dir:?data_dir is not set}"
: "${data_root:?data_root is not set}"
: "${session_date_compact:?session_date_compact is not set}"

archive="$data_root/archive"
out="$archive/session_$session_date_compact.tar.gz"
mkdir -p "$archive"

(cd "$data_dir" && tar -cf - raw enriched model) | gzip -c > "$out.tmp"
mv "$out.tmp" "$out"
echo "archived $data_dir -> $out"
