#!/bin/sh
# Join raw order lines with the product catalog and the customer master into
# enriched/order_lines.csv. Lines with an unknown product are dropped.
#
# Environment: data_dir
set -eu

: "${data_dir:?data_dir is not set}"

raw="$data_dir/raw"
out="$data_dir/enriched/order_lines.csv"
mkdir -p "$data_dir/enriched"

awk -F , -v OFS=, '
FNR == 1 { file++ }
file == 1 { if (FNR > 1) { category[$1] = $4; price[$1] = $5 } next }
file == 2 { if (FNR > 1) segment[$1] = $3; next }
FNR == 1 {
  print "order_id,order_date,customer_id,segment,product_id,category,quantity,unit_price,amount"
  next
}
!($4 in category) { dropped++; next }
{
  seg = ($3 in segment) ? segment[$3] : "unknown"
  print $1, $2, $3, seg, $4, category[$4], $5, price[$4], $5 * price[$4]
  kept++
}
END {
  printf "enriched %d order lines, dropped %d with unknown products\n", kept, dropped | "cat 1>&2"
}' "$raw/products.csv" "$raw/customers.csv" "$raw/orders.csv" > "$out.tmp"

mv "$out.tmp" "$out"
