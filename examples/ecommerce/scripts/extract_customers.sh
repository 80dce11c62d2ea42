#!/bin/sh
# Extract the customer master into raw/customers.csv.
#
# Stand-in for the CRM export: customers 1..num_customers, generated with a
# fixed seed so that every run produces the same master data. The preferred
# category is (customer_id * 7) % 5, the same rule extract_orders.sh uses.
#
# Environment: data_dir, num_customers
set -eu

: "${data_dir:?data_dir is not set}"
: "${num_customers:?num_customers is not set}"

out="$data_dir/raw/customers.csv"
mkdir -p "$data_dir/raw"

awk -v n="$num_customers" '
# Park-Miller generator: exact in double arithmetic, so every awk agrees.
function rnd() {
  seed = (seed * 16807) % 2147483647
  return seed / 2147483647
}
BEGIN {
  seed = 20240101
  split("electronics kitchen books outdoor beauty", category, " ")
  split("Tokyo Osaka Kanagawa Aichi Fukuoka Hokkaido", prefecture, " ")
  print "customer_id,signup_date,segment,preferred_category,prefecture"
  for (id = 1; id <= n; id++) {
    r = rnd()
    segment = r < 0.15 ? "vip" : (r < 0.65 ? "regular" : "new")
    printf "%d,%04d-%02d-%02d,%s,%s,%s\n", id,
      2019 + int(rnd() * 5), 1 + int(rnd() * 12), 1 + int(rnd() * 28),
      segment, category[1 + (id * 7) % 5], prefecture[1 + int(rnd() * 6)]
  }
}' > "$out.tmp"

mv "$out.tmp" "$out"
echo "customers: $(($(wc -l < "$out") - 1)) rows -> $out"
