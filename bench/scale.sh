#!/usr/bin/env bash
# How a SyncJob scales with workers, and how many Kubernetes API requests a run makes (issue 5, "Performance to
# measure"): a private Ceph radosgw (memstore, 127.0.0.1) behind FaultInjectingProxy adding a fixed latency to every S3
# request (a distant endpoint), a source bucket of small objects, and a SyncJob S3 -> volume run with 1, 2 and 4
# workers. Per-worker threads are fixed, so the speed-up measured comes from workers (target >= 3.5x at 4 workers).
#
# MODE=operator (default): the real path. The cluster simulator (tests/ClusterSim) with its process kubelet runs in the
#   bench process; `ferry-operator` runs as a process against it; runner pods are real `ferry worker` processes. Each
#   run creates a namespace, a Secret and the SyncJob and is timed from the create (what `kubectl apply` does) until the
#   SyncJob's Complete condition is True; the destination is then checked byte for byte. Each run's namespace gets the
#   chart's runner ServiceAccount and RoleBinding (helm template of templates/rbac-runner.yaml; Helm from $FERRY_HELM,
#   else .tools/helm/helm), and the runner pods reach the API with their own tokens under that RBAC. The simulator's request
#   counter gives the run's API requests by verb and resource (targets: O(tasks), no per-object API traffic; status
#   writes <= 1 per SyncJob per 2 s).
# MODE=local: `ferry run -f syncjob.yaml --workers N` (in-process workers, no cluster), timed start to exit.
# MODE=sync: plain `ferry sync` with threads x workers threads (no queue), as a reference.
#
#   bench/scale.sh                                  operator path, workers 1,2,4, one run each
#   RUNS=3 WORKERS=1,4 bench/scale.sh
#   MODE=local OBJECTS=2000 bench/scale.sh
#   OBJECTS=3000 SIZE=16384 LATENCY_MS=20 THREADS=4 TASK_OBJECTS=150 BENCH_TMP=/mnt/disk bench/scale.sh   (the defaults)
#
# Prints a markdown table (and writes it to $OUT when set); run logs and the operator's log go to $BENCH_TMP.
set -euo pipefail
cd "$(dirname "$0")/.."

MODE=${MODE:-operator}
RUNS=${RUNS:-1}
WORKERS=${WORKERS:-1,2,4}
OBJECTS=${OBJECTS:-3000}
SIZE=${SIZE:-16384}
LATENCY_MS=${LATENCY_MS:-20}
THREADS=${THREADS:-4}
TASK_OBJECTS=${TASK_OBJECTS:-150}
MEMSTORE_GIB=${MEMSTORE_GIB:-1}
BENCH_TMP=${BENCH_TMP:-/tmp}

for tool in radosgw ceph-mon ceph-osd radosgw-admin setsid; do
  command -v "$tool" >/dev/null || { echo "bench/scale.sh: $tool is required" >&2; exit 2; }
done

echo "== building ferry, ferry-operator and the bench (Release)" >&2
build() { dotnet build "$1" -c Release -nologo -v q >"$BENCH_TMP/ferry-scalebench-build.log" 2>&1 || { grep -E 'error|Error' "$BENCH_TMP/ferry-scalebench-build.log" | sort -u >&2; exit 1; }; }
build src/SyncRunner
[ "$MODE" != operator ] || build src/Operator
build bench/Ferry.Bench.Scale
FERRY="dotnet $PWD/src/SyncRunner/bin/Release/net10.0/ferry.dll"
OPERATOR="dotnet $PWD/src/Operator/bin/Release/net10.0/ferry-operator.dll"
# Arguments of ferry-operator; {kubeconfig} is replaced by the simulator's kubeconfig (KUBECONFIG is set too).
OPERATOR_ARGS=${OPERATOR_ARGS:-"--kubeconfig {kubeconfig} --port 0 --runner-image ghcr.io/ferry/ferry:bench --runner-service-account ferry-runner --log-format text"}
# The runner pods' ServiceAccount and RBAC as the chart renders them (Helm 4: $FERRY_HELM, else .tools/helm/helm, which
# ./test.sh installs), applied to each run's namespace.
HELM=${FERRY_HELM:-$PWD/.tools/helm/helm}
[ "$MODE" != operator ] || [ -x "$HELM" ] || { echo "bench/scale.sh: helm is required ($HELM; ./test.sh installs it)" >&2; exit 2; }
RUNNER_RBAC=$BENCH_TMP/ferry-scalebench-runner-rbac.yaml
[ "$MODE" != operator ] || "$HELM" template ferry charts/ferry --show-only templates/rbac-runner.yaml \
  --set 'runner.namespaces={ferry-bench-runner-namespace}' > "$RUNNER_RBAC"

echo "== ferry $(git rev-parse --short HEAD), radosgw $(radosgw --version | awk '{print $3}'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
BENCH_PID=
cleanup() { if [ -n "$BENCH_PID" ]; then kill -INT "$BENCH_PID" 2>/dev/null || true; wait "$BENCH_PID" 2>/dev/null || true; fi; }
trap cleanup EXIT
bench/Ferry.Bench.Scale/bin/Release/net10.0/ferry-bench-scale \
  --mode "$MODE" --runs "$RUNS" --workers "$WORKERS" --objects "$OBJECTS" --size "$SIZE" --latency-ms "$LATENCY_MS" \
  --threads "$THREADS" --task-objects "$TASK_OBJECTS" --memstore-gib "$MEMSTORE_GIB" \
  --image 'ghcr.io/ferry/ferry:*' --ferry "$FERRY" --operator "$OPERATOR" --operator-args "$OPERATOR_ARGS" --crds "$PWD/crds" --runner-rbac "$RUNNER_RBAC" --work "$BENCH_TMP" \
  ${OUT:+--output "$OUT"} &
BENCH_PID=$!
status=0
wait "$BENCH_PID" || status=$?
BENCH_PID=
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
exit $status
