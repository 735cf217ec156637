#!/usr/bin/env bash
# Compares `ferry sync` with `rclone sync`, `rsync -a` and `cp -r` on the same generated inputs and prints
# the median wall time of each and the ratio Ferry/peer (issue 16's targets, on tmpfs: 10,000 small files <= 1.3x cp -r,
# <= 0.8x rsync, <= 0.6x rclone; a no-op resync of 200,000 files <= 0.5x rclone; issue 2's: large files within 10% of cp).
#
#   bench/run.sh                 all cases, 3 runs each
#   RUNS=5 bench/run.sh small    one case (small | large | noop), 5 runs
#   BENCH_TMP=/mnt/disk bench/run.sh   where the inputs and outputs go (default: /tmp)
#
# Runs interleave the tools (ferry, rclone, rsync, ferry, ...) so that background load hits all alike.
# Each timed copy goes into a fresh, empty destination; a no-op run goes into a destination that the
# same tool synced just before (untimed). The page cache is warm for every tool (nothing is dropped).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
SMALL_N=${SMALL_N:-10000}; SMALL_SIZE=${SMALL_SIZE:-4096}
LARGE_N=${LARGE_N:-20};    LARGE_MB=${LARGE_MB:-50}
NOOP_N=${NOOP_N:-200000};  NOOP_SIZE=${NOOP_SIZE:-1024}
CASES=("$@"); [ ${#CASES[@]} -gt 0 ] || CASES=(small large noop)

for tool in rclone rsync cp python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench/run.sh: $tool is required" >&2; exit 2; }
done

echo "== building ferry (Release)" >&2
# shellcheck source=bench/publish-ferry.sh
. bench/publish-ferry.sh

WORK=$(mktemp -d "${BENCH_TMP:-/tmp}/ferry-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# gen DIR COUNT SIZE: COUNT files of SIZE random bytes, 1000 per subdirectory.
gen() {
  python3 - "$1" "$2" "$3" <<'EOF'
import os, sys
root, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
block = os.urandom(max(size, 1) + 4096)
for i in range(count):
    d = os.path.join(root, f"d{i // 1000:04d}")
    if i % 1000 == 0:
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i:07d}.bin"), "wb") as f:
        off = i % 4096
        f.write(block[off:off + size])
EOF
}

# gen_large DIR COUNT MB
gen_large() {
  mkdir -p "$1"
  for i in $(seq 1 "$2"); do head -c "$(( $3 * 1024 * 1024 ))" /dev/urandom >"$1/large$i.bin"; done
}

# run_tool TOOL SRC DST: one sync of SRC/ into DST/.
run_tool() {
  case $1 in
    ferry)  "$FERRY" sync "$2/" "$3/" --quiet ;;
    rclone) env -u AWS_CA_BUNDLE rclone sync "$2/" "$3/" ;;
    rsync)  rsync -a "$2/" "$3/" ;;
    cp)     cp -r "$2" "$3" ;;
  esac
}

# timed TOOL SRC DST: prints "wall user sys" (seconds) of one run.
timed() {
  sync # untimed: no tool pays for writing back the inputs or another run's output (dirty page cache)
  if ! /usr/bin/time -f "%e %U %S" -o "$WORK/time" bash -c "$(declare -f run_tool); FERRY='$FERRY'; run_tool $1 '$2' '$3'" \
      >"$WORK/out" 2>"$WORK/err"; then
    echo "bench/run.sh: $1 failed:" >&2; cat "$WORK/err" >&2; exit 1
  fi
  tail -n 1 "$WORK/time"
}

# summary DIR: "files bytes"
summary() { find "$1" -type f -printf '%s\n' | awk '{n++; b+=$1} END {printf "%d %d", n, b}'; }

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

declare -A WALL CPU
# bench_case NAME SRC MODE TOOL...   MODE: copy (fresh destination) or noop (resync an up-to-date destination)
bench_case() {
  local name=$1 src=$2 mode=$3; shift 3
  local tools=("$@") want; want=$(summary "$src")
  for r in $(seq 1 "$RUNS"); do
    for tool in "${tools[@]}"; do
      local dst="$WORK/dst-$tool"
      rm -rf "$dst"
      if [ "$mode" = noop ]; then
        run_tool "$tool" "$src" "$dst" >/dev/null 2>&1
      elif [ "$tool" != cp ]; then
        mkdir -p "$dst"
      fi
      local t; t=$(timed "$tool" "$src" "$dst")
      read -r wall user sys <<<"$t"
      local got; got=$(summary "$dst")
      [ "$got" = "$want" ] || { echo "bench/run.sh: $tool produced '$got' (files bytes), want '$want'" >&2; exit 1; }
      WALL[$name,$tool]+="$wall "
      CPU[$name,$tool]+="$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}') "
      echo "   $name run $r: $tool ${wall}s (cpu $(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')s)" >&2
    done
  done
  rm -rf "$WORK"/dst-*
  local ferry; ferry=$(echo "${WALL[$name,ferry]}" | median)
  for tool in "${tools[@]}"; do
    local m c ratio="" target=""
    m=$(echo "${WALL[$name,$tool]}" | median)
    c=$(echo "${CPU[$name,$tool]}" | median)
    if [ "$tool" != ferry ]; then
      ratio=$(awk -v f="$ferry" -v p="$m" 'BEGIN {printf "%.2f", (p > 0 ? f / p : 0)}')
      case "$name,$tool" in
        small*,rclone) target="target <= 0.60" ;;
        small*,rsync)  target="target <= 0.80" ;;
        small*,cp)     target="target <= 1.30" ;;
        noop*,rclone)  target="target <= 0.50" ;;
        large*,cp)     target="target <= 1.10" ;;
      esac
    fi
    printf '| %-22s | %-6s | %8.2f | %8.2f | %-24s | %-6s | %-14s |\n' "$name" "$tool" "$m" "$c" "${WALL[$name,$tool]% }" "$ratio" "$target"
  done
}

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== ferry $(git rev-parse --short HEAD), $(rclone version 2>/dev/null | head -1), $(rsync --version | head -1 | awk '{print $1, $2, $3}'), dotnet $(dotnet --version), $RUNS runs per tool, medians"
echo
echo '| case                   | tool   | wall s   | cpu s    | runs (wall s)            | ferry/ | target         |'
echo '|------------------------|--------|----------|----------|--------------------------|--------|----------------|'
for c in "${CASES[@]}"; do
  case $c in
    small)
      echo "== generating $SMALL_N x $SMALL_SIZE B" >&2
      gen "$WORK/small" "$SMALL_N" "$SMALL_SIZE"
      bench_case "small ${SMALL_N}x$((SMALL_SIZE / 1024))KB" "$WORK/small" copy ferry rclone rsync cp
      rm -rf "$WORK/small" ;;
    large)
      echo "== generating $LARGE_N x $LARGE_MB MB" >&2
      gen_large "$WORK/large" "$LARGE_N" "$LARGE_MB"
      bench_case "large ${LARGE_N}x${LARGE_MB}MB" "$WORK/large" copy ferry rclone rsync cp
      rm -rf "$WORK/large" ;;
    noop)
      echo "== generating $NOOP_N x $NOOP_SIZE B" >&2
      gen "$WORK/noop" "$NOOP_N" "$NOOP_SIZE"
      bench_case "noop resync ${NOOP_N}" "$WORK/noop" noop ferry rclone rsync
      rm -rf "$WORK/noop" ;;
    *) echo "bench/run.sh: unknown case '$c' (small, large, noop)" >&2; exit 2 ;;
  esac
done
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
