#!/usr/bin/env bash
# Runner start-up (issue 12): the time from a `ferry worker` process's start to its first Lease claimed, with ferry
# published as the image ships it (Release, ReadyToRun; bench/publish-ferry.sh). The cluster simulator (tests/ClusterSim,
# plain HTTP) serves the API; each run gets a fresh SyncJob (volume -> volume, 3 small files) and one worker that
# reaches the API server the way a runner pod on the simulator does (FERRY_KUBE_API_URL). A watch on the run's Leases
# (curl) timestamps the first Lease event that carries a holderIdentity; the process start is taken just before exec.
#
#   bench/startup.sh                                   this tree's ferry, RUNS=10
#   FERRIES="before=/tmp/ferry-main/ferry after=bench/.publish/ferry/ferry" RUNS=15 bench/startup.sh
#
# Tools in FERRIES are interleaved (the order alternates every round) so load hits them alike; prints every run and the
# medians, in milliseconds, with the load average.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-10}
BENCH_TMP=${BENCH_TMP:-/tmp}
W=$(mktemp -d "$BENCH_TMP/ferry-startup.XXXXXX")
SIM_PID=
cleanup() {
  if [ -n "$SIM_PID" ]; then kill "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; fi
  rm -rf "$W"
}
trap cleanup EXIT

if [ -z "${FERRIES:-}" ]; then
  . bench/publish-ferry.sh
  FERRIES="ferry=$FERRY"
fi
dotnet build tests/ClusterSim -c Release -nologo -v q >"$W/build.log" 2>&1 || { cat "$W/build.log" >&2; exit 1; }

dotnet tests/ClusterSim/bin/Release/net10.0/ClusterSim.dll --port 0 --kubeconfig "$W/kubeconfig" >"$W/sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 100); do grep -q ready "$W/sim.log" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$W/sim.log" || { cat "$W/sim.log" >&2; exit 1; }
export KUBECONFIG=$W/kubeconfig
URL=$(sed -n 's/^ *server: *//p' "$KUBECONFIG" | head -1)
kubectl apply --validate=false -f crds/ >/dev/null
kubectl create namespace bench >/dev/null
mkdir -p "$W/src" && for f in a b c; do echo "$f" >"$W/src/$f.txt"; done

# run TOOL BINARY ROUND: prints the milliseconds from exec to the first claimed Lease, and to the worker's exit.
run() {
  local tool=$1 bin=$2 round=$3 name="sj-$1-$3"
  kubectl apply --validate=false -f - >/dev/null <<EOF
apiVersion: ferry.io/v1alpha1
kind: SyncJob
metadata: {name: $name, namespace: bench}
spec:
  source: {volume: {claimName: src}}
  destination: {volume: {claimName: dst}}
  workers: 1
EOF
  local uid
  uid=$(kubectl get syncjob -n bench "$name" -o jsonpath='{.metadata.uid}')
  rm -f "$W/claimed"
  ( curl -sN "$URL/apis/coordination.k8s.io/v1/namespaces/bench/leases?watch=true&labelSelector=ferry.io%2Fsyncjob%3D$name" |
      while IFS= read -r line; do
        case $line in *'"holderIdentity":"'?*) echo "$EPOCHREALTIME" >"$W/claimed"; break ;; esac
      done ) &
  local watcher=$!
  sleep 0.5
  mkdir -p "$W/dst-$name"
  local t0=$EPOCHREALTIME
  FERRY_KUBE_API_URL=$URL FERRY_POD_NAME="w-$name" FERRY_SOURCE_ROOT="$W/src" FERRY_DESTINATION_ROOT="$W/dst-$name" \
    "$bin" worker --namespace bench --syncjob "$name" --run "$uid" >"$W/$name.log" 2>&1 || { cat "$W/$name.log" >&2; exit 1; }
  local t2=$EPOCHREALTIME
  for _ in $(seq 50); do [ -s "$W/claimed" ] && break; sleep 0.1; done
  kill "$watcher" 2>/dev/null || true; wait "$watcher" 2>/dev/null || true
  [ -s "$W/claimed" ] || { echo "no Lease claim seen for $name" >&2; exit 1; }
  local t1
  t1=$(cat "$W/claimed")
  awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "%.0f %.0f\n", (b - a) * 1000, (c - a) * 1000 }'
}

echo "== ferry start-up, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $RUNS runs per tool"
read -r -a pairs <<<"$FERRIES"
run "${pairs[0]%%=*}" "${pairs[0]#*=}" warmup >/dev/null
for r in $(seq "$RUNS"); do
  order=("${pairs[@]}")
  if [ $((r % 2)) -eq 0 ]; then order=(); for ((i=${#pairs[@]}-1; i>=0; i--)); do order+=("${pairs[$i]}"); done; fi
  for p in "${order[@]}"; do
    read -r claim exit <<<"$(run "${p%%=*}" "${p#*=}" "$r")"
    echo "${p%%=*} run $r: first Lease claimed ${claim} ms, exited ${exit} ms"
    echo "$claim $exit" >>"$W/${p%%=*}.times"
  done
done
for p in "${pairs[@]}"; do
  t=${p%%=*}
  echo "$t median: first Lease claimed $(cut -d' ' -f1 "$W/$t.times" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}') ms," \
    "exited $(cut -d' ' -f2 "$W/$t.times" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}') ms"
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
