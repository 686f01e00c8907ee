#!/bin/sh
# One-shot job in temporalio/admin-tools, run once the server is up: creates Caseloop's namespace if
# it is missing and registers Caseloop's custom search attributes on it (the same set as
# src/workflows/search-attributes.ts). Safe to re-run: an attribute that already exists with the same
# type is accepted. The CLI reads TEMPORAL_ADDRESS from the environment.
set -eu

namespace=${TEMPORAL_NAMESPACE:-default}
retention=${TEMPORAL_NAMESPACE_RETENTION:-720h}

# The frontend port opens before every service has joined the cluster: wait for SERVING.
tries=0
until temporal operator cluster health; do
  tries=$((tries + 1))
  [ "$tries" -lt 60 ] || { echo "Temporal did not become healthy" >&2; exit 1; }
  sleep 2
done

if temporal operator namespace describe --namespace "$namespace" >/dev/null 2>&1; then
  echo "Namespace $namespace exists."
else
  temporal operator namespace create --namespace "$namespace" --retention "$retention"
fi

# A namespace just created takes a few seconds to reach the frontend's namespace cache: retry.
tries=0
until temporal operator search-attribute create --namespace "$namespace" \
  --name CaseId --type Keyword \
  --name CaseStatus --type Keyword \
  --name Program --type Keyword \
  --name CaseManagerId --type Keyword \
  --name SupervisorId --type Keyword \
  --name RiskLevel --type Keyword \
  --name NextDueAt --type Datetime \
  --name OverdueCount --type Int \
  --name EscalationLevel --type Int \
  --name OnHold --type Bool; do
  tries=$((tries + 1))
  [ "$tries" -lt 15 ] || { echo "Could not register search attributes on $namespace" >&2; exit 1; }
  sleep 2
done
temporal operator search-attribute list --namespace "$namespace"
