#!/bin/sh
# Delete session directories (<data_root>/YYYYMMDD) older than retention_days.
# The current session, the archive and the catalog snapshots are kept.
#
# Environment: data_root, data_dir, retention_days
set -eu

: "${data_root:?data_root is not set}"
: "${data_dir:?data_dir is not set}"
: "${retention_days:?retention_days is not set}"

removed=0
for dir in "$data_root"/[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]; do
  [ -d "$dir" ] || continue
  [ "$dir" = "$data_dir" ] && continue
  # POSIX find: print the directory itself only if it is old enough.
  if [ -n "$(find "$dir" -prune -mtime +"$retention_days")" ]; then
    rm -rf "$dir"
    echo "removed $dir"
    removed=$((removed + 1))
  fi
done
echo "cleanup: removed $removed session directories older than $retention_days days"
