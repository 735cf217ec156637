#!/usr/bin/env bash
# How much ferry-operator costs with many ReplicaMirrors (issue 11): MIRRORS mirrors x DESTINATIONS destinations at
# INTERVAL on the cluster simulator (in the bench process, no kubelet: the bench marks each child SyncJob Complete
# RUN_SECONDS after the operator created it, in place of runner pods). Reports the operator's API requests per minute
# by verb and resource and its CPU over MEASURE seconds after WARMUP seconds. Target: O(mirrors), no polling storm.
#
#   bench/mirrors.sh
#   MIRRORS=100 DESTINATIONS=2 INTERVAL=1m RUN_SECONDS=5 WARMUP=90 MEASURE=180 OUT=/tmp/mirrors.md bench/mirrors.sh
set -euo pipefail
cd "$(dirname "$0")/.."
MIRRORS=${MIRRORS:-100}
DESTINATIONS=${DESTINATIONS:-2}
INTERVAL=${INTERVAL:-1m}
RUN_SECONDS=${RUN_SECONDS:-5}
WARMUP=${WARMUP:-90}
MEASURE=${MEASURE:-180}
BENCH_TMP=${BENCH_TMP:-/tmp}
echo "== building ferry-operator and the bench (Release)" >&2
for project in src/Operator bench/Ferry.Bench.Mirrors; do
  dotnet build "$project" -c Release -nologo -v q >"$BENCH_TMP/ferry-mirrorbench-build.log" 2>&1 \
    || { grep -E 'error' "$BENCH_TMP/ferry-mirrorbench-build.log" | sort -u >&2; exit 1; }
done
echo "== ferry $(git rev-parse --short HEAD), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
exec bench/Ferry.Bench.Mirrors/bin/Release/net10.0/ferry-bench-mirrors \
  --mirrors "$MIRRORS" --destinations "$DESTINATIONS" --interval "$INTERVAL" --run-seconds "$RUN_SECONDS" \
  --warmup "$WARMUP" --measure "$MEASURE" --operator "dotnet $PWD/src/Operator/bin/Release/net10.0/ferry-operator.dll" \
  --crds "$PWD/crds" --work "$BENCH_TMP" ${OUT:+--output "$OUT"}
