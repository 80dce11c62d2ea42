#!/bin/sh
# Post a notification to the team chat webhook (Slack-compatible JSON).
# Runs with the working directory common/ (see common/notify.dig).
#
# Environment: WEBHOOK_URL (from _env: ${secret:notify.webhook_url}),
#              notify_status, notify_message
set -eu

: "${notify_status:?notify_status is not set}"
: "${notify_message:?notify_message is not set}"

if [ -z "${WEBHOOK_URL:-}" ]; then
  echo "WEBHOOK_URL is empty, not posting: [$notify_status] $notify_message"
  exit 0
fi

# One line of text; escape backslashes and double quotes for the JSON string.
text=$(printf '[%s] %s' "$notify_status" "$notify_message" | tr '\n\t\r' '   ' |
  sed 's/\\/\\\\/g; s/"/\\"/g')

curl --fail --silent --show-error --max-time 30 \
  -X POST \
  -H "Content-Type: application/json" \
  --data-binary "{\"text\": \"$text\"}" \
  "$WEBHOOK_URL"
