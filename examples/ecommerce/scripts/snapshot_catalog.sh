#!/bin/sh
# Keep a dated copy of the product catalog next to the session directories
# (<data_root>/catalog/products_<date>.csv) and point latest.csv at it.
#
# Environment: data_dir, data_root, target_date_compact
set -eu

: "${data_dir:?data_dir is not set}"
: "${data_root:?data_root is not set}"
: "${target_date_compact:?target_date_compact is not set}"

catalog="$data_root/catalog"
mkdir -p "$catalog"

src="$data_dir/raw/products.csv"
if [ -f "$catalog/latest.csv" ] && cmp -s "$src" "$catalog/latest.csv"; then
  echo "catalog unchanged since the last snapshot"
else
  echo "catalog changed, keeping a new snapshot"
fi

cp "$src" "$catalog/products_$target_date_compact.csv"
cp "$src" "$catalog/latest.csv.tmp"
mv "$catalog/latest.csv.tmp" "$catalog/latest.csv"
