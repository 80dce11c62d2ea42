#!/bin/sh
# Validate one raw extract: expected header, at least one row, the same number
# of fields on every line and a numeric id in the first column.
#
# Environment: data_dir, table (products | customers | orders; set by for_each>)
set -eu

: "${data_dir:?data_dir is not set}"
: "${table:?table is not set}"

case "$table" in
  products) header="product_id,sku,name,category,price" ;;
  customers) header="customer_id,signup_date,segment,preferred_category,prefecture" ;;
  orders) header="order_id,order_date,customer_id,product_id,quantity" ;;
  *)
    echo "unknown table: $table" >&2
    exit 1
    ;;
esac

file="$data_dir/raw/$table.csv"
if [ ! -f "$file" ]; then
  echo "$table: missing file $file" >&2
  exit 1
fi

actual=$(head -n 1 "$file")
if [ "$actual" != "$header" ]; then
  echo "$table: unexpected header '$actual' (expected '$header')" >&2
  exit 1
fi

awk -F , -v table="$table" '
NR == 1 { fields = NF; next }
NF != fields { printf "%s: line %d has %d fields, expected %d\n", table, NR, NF, fields; bad++ }
$1 !~ /^[0-9]+$/ { printf "%s: line %d has a non-numeric id \"%s\"\n", table, NR, $1; bad++ }
END {
  if (NR < 2) { printf "%s: no data rows\n", table; exit 1 }
  if (bad > 0) exit 1
  printf "%s: %d rows OK\n", table, NR - 1
}' "$file"
