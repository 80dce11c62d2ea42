#!/bin/sh
# Extract one shard of yesterday's order lines into raw/orders_part_<shard>.csv.
#
# Stand-in for the order API: order n (0 <= n < orders_per_day) belongs to
# shard n % order_shards and is generated from a seed derived from the date
# and n only, so the data does not depend on how many shards are used.
# Customers mostly buy in their preferred category and often add the
# companion of a product (101 <-> 102, 103 <-> 104, ...).
#
# Environment: data_dir, target_date, target_date_compact, orders_per_day,
#              order_shards, shard, num_customers
set -eu

: "${data_dir:?data_dir is not set}"
: "${target_date:?target_date is not set}"
: "${target_date_compact:?target_date_compact is not set}"
: "${orders_per_day:?orders_per_day is not set}"
: "${order_shards:?order_shards is not set}"
: "${shard:?shard is not set}"
: "${num_customers:?num_customers is not set}"

out="$data_dir/raw/orders_part_$shard.csv"
mkdir -p "$data_dir/raw"

awk -v day="$target_date" -v compact="$target_date_compact" \
    -v per_day="$orders_per_day" -v shards="$order_shards" -v shard="$shard" \
    -v customers="$num_customers" '
function rnd() {
  seed = (seed * 16807) % 2147483647
  return seed / 2147483647
}
function pick(cat) {
  return cat * 100 + 1 + int(rnd() * 6)
}
function companion(p) {
  return p % 2 == 1 ? p + 1 : p - 1
}
function add(p) {
  if (!(p in basket)) {
    basket[p] = 1
    items[++count] = p
  }
}
BEGIN {
  print "order_id,order_date,customer_id,product_id,quantity"
  for (n = shard; n < per_day; n += shards) {
    seed = (compact % 100000) * 1000 + n + 1
    rnd(); rnd()
    customer = 1 + int(rnd() * customers)
    preferred = 1 + (customer * 7) % 5
    split("", basket)
    count = 0
    first = pick(rnd() < 0.75 ? preferred : 1 + int(rnd() * 5))
    add(first)
    if (rnd() < 0.6)
      add(companion(first))
    extra = int(rnd() * 3)
    for (k = 0; k < extra; k++)
      add(pick(rnd() < 0.6 ? preferred : 1 + int(rnd() * 5)))
    for (k = 1; k <= count; k++)
      printf "%s%05d,%s,%d,%d,%d\n", compact, n + 1, day, customer, items[k], rnd() < 0.85 ? 1 : 2
  }
}' > "$out.tmp"

mv "$out.tmp" "$out"
echo "orders shard $shard/$order_shards: $(($(wc -l < "$out") - 1)) lines -> $out"
