#!/bin/sh
# Turn model/recommendations.csv into the campaign file of one channel,
# campaigns/<channel>.csv:
#   email  customer_id,subject,product_ids   (top 3, ids separated by |)
#   web    customer_id,product_ids           (all recommendations)
#   push   customer_id,message               (top 1)
#
# Environment: data_dir, channel (email | web | push; set by for_each>)
set -eu

: "${data_dir:?data_dir is not set}"
: "${channel:?channel is not set}"

case "$channel" in
  email) header="customer_id,subject,product_ids" ;;
  web) header="customer_id,product_ids" ;;
  push) header="customer_id,message" ;;
  *)
    echo "unknown channel: $channel" >&2
    exit 1
    ;;
esac

reco="$data_dir/model/recommendations.csv"
out="$data_dir/campaigns/$channel.csv"
mkdir -p "$data_dir/campaigns"

# recommendations.csv is sorted by customer_id, rank.
awk -F , -v OFS=, -v channel="$channel" -v header="$header" '
function flush() {
  if (customer == "")
    return
  if (channel == "email")
    print customer, "Picked for you: " top, ids3
  else if (channel == "web")
    print customer, ids
  else
    print customer, "Recommended for you today: " top
  rows++
}
FNR == 1 { file++; if (file == 2) print header; next }
file == 1 { name[$1] = $3; next }
$1 != customer {
  flush()
  customer = $1
  top = name[$3]
  ids = ""
  ids3 = ""
}
{
  ids = ids == "" ? $3 : ids "|" $3
  if ($2 <= 3)
    ids3 = ids3 == "" ? $3 : ids3 "|" $3
}
END {
  flush()
  printf "%s campaign: %d customers\n", channel, rows | "cat 1>&2"
}' "$data_dir/raw/products.csv" "$reco" > "$out.tmp"

mv "$out.tmp" "$out"
