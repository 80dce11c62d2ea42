#!/bin/sh
# Merge the order shards into raw/orders.csv (one header, sorted by order).
#
# Environment: data_dir, order_shards
set -eu

: "${data_dir:?data_dir is not set}"
: "${order_shards:?order_shards is not set}"

LC_ALL=C
export LC_ALL

raw="$data_dir/raw"
set -- "$raw"/orders_part_*.csv
if [ ! -e "$1" ]; then
  echo "no order shards found in $raw" >&2
  exit 1
fi
if [ "$#" -ne "$order_shards" ]; then
  echo "expected $order_shards order shards in $raw, found $#" >&2
  exit 1
fi

{
  head -n 1 "$1"
  for part in "$@"; do
    tail -n +2 "$part"
  done | sort -t , -k 1,1 -k 4,4n
} > "$raw/orders.csv.tmp"

mv "$raw/orders.csv.tmp" "$raw/orders.csv"
echo "orders: $(($(wc -l < "$raw/orders.csv") - 1)) lines from $order_shards shards"
