#!/bin/sh
# Create the working directory tree of a session.
#
# Environment (sh> exports every Digdag parameter as a variable):
#   data_dir      session directory, e.g. /tmp/digkit-ecommerce/20240601
#   session_date  session date (only used for the log line)
set -eu

: "${data_dir:?data_dir is not set}"

mkdir -p "$data_dir/raw" "$data_dir/enriched" "$data_dir/model" "$data_dir/campaigns"

# Order shards of an earlier attempt must not be merged into this one.
rm -f "$data_dir"/raw/orders_part_*.csv

echo "workspace ready: $data_dir (session ${session_date:-unknown})"
