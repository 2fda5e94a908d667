#!/bin/sh
# Creates the namespace and the RuleId search attribute the collector's schedules and runs carry.
# Idempotent: safe on every `docker compose up`.
set -eu
NS="${TEMPORAL_NAMESPACE:-default}"
until temporal operator cluster health --address "${TEMPORAL_ADDRESS}"; do echo 'waiting for Temporal...'; sleep 3; done
temporal operator namespace describe -n "$NS" --address "${TEMPORAL_ADDRESS}" >/dev/null 2>&1 \
  || temporal operator namespace create -n "$NS" --retention 7d --address "${TEMPORAL_ADDRESS}"
temporal operator search-attribute list -n "$NS" --address "${TEMPORAL_ADDRESS}" | grep -q RuleId \
  || temporal operator search-attribute create -n "$NS" --name RuleId --type Keyword --address "${TEMPORAL_ADDRESS}"
echo "namespace $NS is ready"
