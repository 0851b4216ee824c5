#!/usr/bin/env bash
# Duplicate detection, evaluated through the real upload path (README "Duplicate detection: evaluation"): builds
# the labelled set from Debian's openclipart-png (bench/CraftFlow.DuplicateEval), starts its own PostgreSQL,
# redis-server, the API and the Worker on loopback ports, uploads the distinct designs and then their variants,
# and prints recall per variant kind, the false-duplicate rate and the colour-variant rate beside the
# imagehash-threshold and exact-hash-equality baselines computed from the same run's hashes.
# The set is cached in bench/results/ (not committed) and reused while its parameters stay the same.
# Usage: [BASES=150] [DISTRACTORS=600] [SEED=11] [WORKER_CONCURRENCY=2] [REDIS=0] bench/duplicates/run.sh [--small]
#   --small: 20 bases and 60 distractors (a few minutes less; the CI test uses 12 and 40)
set -euo pipefail
cd "$(dirname "$0")/../.."
BASES=${BASES:-150}
DISTRACTORS=${DISTRACTORS:-600}
if [ "${1:-}" = --small ]; then BASES=20; DISTRACTORS=60; fi
SEED=${SEED:-11}

if [ ! -d /usr/share/openclipart/png ]; then
  echo "openclipart-png is missing: apt-get install -y openclipart-png"; exit 1
fi

# shellcheck source=../lib/services.sh
. bench/lib/services.sh
services_init craftflow-duplicates
services_build
dotnet build bench/CraftFlow.DuplicateEval -c Release -v q -nologo >/dev/null
services_start
start=$(date +%s)
dotnet bench/CraftFlow.DuplicateEval/bin/Release/net10.0/CraftFlow.DuplicateEval.dll --api "$api" \
  --bases "$BASES" --distractors "$DISTRACTORS" --seed "$SEED" --set "bench/results/duplicates-$BASES-$DISTRACTORS-$SEED"
echo "== evaluation took $(( $(date +%s) - start )) s (set building included when it was not cached)"
