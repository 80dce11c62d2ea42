#!/bin/sh
# Publish campaigns/<channel>.csv to the campaign API. Without an API URL the
# file is copied to <data_dir>/outbox instead, which keeps local runs offline.
#
# Environment: data_dir, channel, session_date, reco_api_url (may be empty),
#              RECO_API_TOKEN (from _env: ${secret:reco_api.token})
set -eu

: "${data_dir:?data_dir is not set}"
: "${channel:?channel is not set}"
: "${session_date:?session_date is not set}"

file="$data_dir/campaigns/$channel.csv"
if [ ! -s "$file" ]; then
  echo "nothing to publish: $file is missing or empty" >&2
  exit 1
fi

if [ -z "${reco_api_url:-}" ]; then
  mkdir -p "$data_dir/outbox"
  cp "$file" "$data_dir/outbox/${channel}_$session_date.csv"
  echo "no reco_api_url set: $channel campaign written to $data_dir/outbox"
  exit 0
fi

: "${RECO_API_TOKEN:?RECO_API_TOKEN is not set}"
curl --fail --silent --show-error --max-time 60 \
  -X POST \
  -H "Authorization: Bearer $RECO_API_TOKEN" \
  -H "Content-Type: text/csv" \
  --data-binary "@$file" \
  "$reco_api_url/campaigns/$channel?date=$session_date"
echo "published the $channel campaign of $session_date"
