#!/usr/bin/env bash
# Compares `ferry sync` with `rclone sync` against a private Ceph radosgw (memstore, 127.0.0.1) on the same inputs:
# upload (dir -> S3), no-op resync up, download (S3 -> dir), no-op resync down. Prints the median wall time of each
# tool and the ratio Ferry/rclone (issue 3's targets: small files <= 0.8 x rclone, large files <= 1.0 x rclone), and
# as supporting evidence the medians of each tool's CPU time (user + system) and of the CPU time the radosgw daemons
# spent serving it.
#
#   bench/s3.sh                   both cases, 3 runs each
#   RUNS=5 bench/s3.sh small      one case (small | large), 5 runs
#   BENCH_TMP=/mnt/disk bench/s3.sh
#   BENCH_TMP=/dev/shm bench/s3.sh    local files on tmpfs: the tools and radosgw without the file system
#
# The build machine's /tmp is ext4 without a journal, where creating files soon after deleting many is mostly the
# kernel's inode scan (RESULTS-s3.md, session 4). A journalled ext4 on the same disk, as session 5 measured it:
#   truncate -s 3G /var/tmp/ext4.img && mkfs.ext4 -q -F /var/tmp/ext4.img && mkdir -p /mnt/ferry-ext4 \
#     && mount -o loop /var/tmp/ext4.img /mnt/ferry-ext4 && BENCH_TMP=/mnt/ferry-ext4 bench/s3.sh small
#
# Each case starts with WARMUP (default 1) untimed rounds; then the tools run interleaved, ferry first in odd runs
# and rclone first in even ones, so that background load and whatever one tool leaves behind hit both alike; every
# timed command follows an untimed `sync`; ferry is published with ReadyToRun (bench/publish-ferry.sh). Each run uploads into a
# fresh bucket and downloads into a fresh directory; the bucket is purged and radosgw's garbage collector run
# afterwards (untimed) so memstore (RAM) does not fill up. Both tools run with their defaults: ferry --threads 10,
# rclone --transfers 4 --checkers 8. rclone runs with `env -u AWS_CA_BUNDLE` (TEST-SERVERS.md).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
WARMUP=${WARMUP:-1}
SMALL_N=${SMALL_N:-10000}; SMALL_SIZE=${SMALL_SIZE:-4096}
LARGE_N=${LARGE_N:-8};     LARGE_MB=${LARGE_MB:-128}
MEMSTORE_GIB=${MEMSTORE_GIB:-3}
CASES=("$@"); [ ${#CASES[@]} -gt 0 ] || CASES=(small large)

for tool in rclone python3 radosgw-admin /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench/s3.sh: $tool is required" >&2; exit 2; }
done

echo "== building ferry and the radosgw launcher (Release)" >&2
# shellcheck source=bench/publish-ferry.sh
. bench/publish-ferry.sh
dotnet build bench/Ferry.Bench.S3 -c Release -nologo -v q >/dev/null
LAUNCHER=$PWD/bench/Ferry.Bench.S3/bin/Release/net10.0/ferry-bench-s3

WORK=$(mktemp -d "${BENCH_TMP:-/tmp}/ferry-s3bench.XXXXXX")
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

"$LAUNCHER" "$WORK/rgw.env" "$MEMSTORE_GIB" &
SERVER_PID=$!
for _ in $(seq 1 300); do [ -f "$WORK/rgw.env" ] && break; kill -0 "$SERVER_PID" || exit 1; sleep 0.5; done
# shellcheck disable=SC1091
. "$WORK/rgw.env"

export AWS_ACCESS_KEY_ID=$RGW_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$RGW_SECRET_KEY
export RCLONE_CONFIG_RGW_TYPE=s3 RCLONE_CONFIG_RGW_PROVIDER=Ceph RCLONE_CONFIG_RGW_ENDPOINT=$RGW_ENDPOINT
export RCLONE_CONFIG_RGW_ACCESS_KEY_ID=$RGW_ACCESS_KEY RCLONE_CONFIG_RGW_SECRET_ACCESS_KEY=$RGW_SECRET_KEY
export RCLONE_CONFIG_RGW_FORCE_PATH_STYLE=true

# gen DIR COUNT SIZE: COUNT files of SIZE random bytes, 1000 per subdirectory.
gen() {
  python3 - "$1" "$2" "$3" <<'PY'
import os, sys
root, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
block = os.urandom(size + 4096)
for i in range(count):
    d = os.path.join(root, f"d{i // 1000:04d}")
    if i % 1000 == 0:
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i:07d}.bin"), "wb") as f:
        off = i % 4096
        f.write(block[off:off + size])
PY
}

s3url() { echo "s3://$1/data/?endpoint=$RGW_ENDPOINT"; }

# sync_cmd TOOL SRC DST (SRC/DST: a directory or bucket:NAME): sets CMD to the command line of one sync.
sync_cmd() {
  local tool=$1 src=$2 dst=$3
  case $tool in
    ferry)
      [[ $src == bucket:* ]] && src=$(s3url "${src#bucket:}") || src="$src/"
      [[ $dst == bucket:* ]] && dst=$(s3url "${dst#bucket:}") || dst="$dst/"
      CMD=("$FERRY" sync "$src" "$dst" --quiet) ;;
    rclone)
      [[ $src == bucket:* ]] && src="rgw:${src#bucket:}/data" || src="$src/"
      [[ $dst == bucket:* ]] && dst="rgw:${dst#bucket:}/data" || dst="$dst/"
      CMD=(env -u AWS_CA_BUNDLE rclone sync "$src" "$dst") ;;
  esac
}

# CPU seconds (user + system) used so far by the radosgw daemons (radosgw, ceph-osd, ceph-mon).
server_cpu() {
  local ticks=0 pid
  for pid in $(pgrep -f -- "-c $RGW_CONF" || true); do
    ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$ticks"
}

# timed TOOL SRC DST: prints "WALL CPU SERVER" in seconds: wall time, the tool's user + system CPU time, and the
# CPU time the radosgw daemons used meanwhile (supporting evidence: less noisy than wall time on a loaded machine).
timed() {
  local s0 s1
  s0=$(server_cpu)
  sync_cmd "$@"
  sync # untimed: no tool pays for writing back the inputs or another run's output (dirty page cache)
  /usr/bin/time -f '%e %U %S' -o "$WORK/time" "${CMD[@]}" >"$WORK/out" 2>&1 \
    || { echo "bench/s3.sh: $1 sync $2 $3 failed:" >&2; tail -20 "$WORK/out" >&2; exit 1; }
  s1=$(server_cpu)
  python3 -c "import sys; e, u, s = map(float, open(sys.argv[1]).read().split()[-3:]); print(f'{e:.2f} {u + s:.2f} {($s1 - $s0) / $(getconf CLK_TCK):.2f}')" "$WORK/time"
}

median() { python3 -c 'import statistics,sys; print(f"{statistics.median(float(x) for x in sys.argv[1:]):.2f}")' "$@"; }

# bench_case NAME DIR TARGET
bench_case() {
  local name=$1 dir=$2 target=$3
  declare -A times=() cpus=() servers=()
  echo "-- $name: load before $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  local order
  for run in $(seq $((1 - WARMUP)) "$RUNS"); do
    # Run 0 (and below) is an untimed warm-up; the order alternates so that no tool always follows the other.
    if (( run % 2 == 0 )); then order=(rclone ferry); else order=(ferry rclone); fi
    for tool in "${order[@]}"; do
      local bucket="b-$tool-$run-$RANDOM$RANDOM"
      env -u AWS_CA_BUNDLE rclone mkdir "rgw:$bucket"
      local down="$WORK/down-$tool"
      rm -rf "$down"; mkdir -p "$down"
      local op src dst r
      for op in upload noop-up download noop-down; do
        case $op in
          upload|noop-up) src=$dir dst="bucket:$bucket" ;;
          *) src="bucket:$bucket" dst=$down ;;
        esac
        r=$(timed $tool "$src" "$dst")
        read -r w c sv <<<"$r"
        (( run < 1 )) && continue
        times[$tool,$op]+=" $w"; cpus[$tool,$op]+=" $c"; servers[$tool,$op]+=" $sv"
      done
      cmp <(cd "$dir" && find . -type f -exec md5sum {} + | sort) <(cd "$down" && find . -type f -exec md5sum {} + | sort) >/dev/null \
        || { echo "bench/s3.sh: $tool's round trip differs" >&2; exit 1; }
      env -u AWS_CA_BUNDLE rclone purge "rgw:$bucket" >/dev/null 2>&1
      radosgw-admin -c "$RGW_CONF" -n client.admin gc process --include-all >/dev/null 2>&1 || true
      rm -rf "$down"
    done
    if (( run < 1 )); then echo "   warm-up done (not counted), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2; else echo "   run $run done, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2; fi
  done
  for op in upload noop-up download noop-down; do
    local f r fc rc fs rs
    # shellcheck disable=SC2086
    f=$(median ${times[ferry,$op]}); r=$(median ${times[rclone,$op]})
    # shellcheck disable=SC2086
    fc=$(median ${cpus[ferry,$op]}); rc=$(median ${cpus[rclone,$op]}); fs=$(median ${servers[ferry,$op]}); rs=$(median ${servers[rclone,$op]})
    printf '| %s | %s | %s | %s | %s | %s | %s / %s | %s / %s | %s / %s |\n' "$name" "$op" "$f" "$r" \
      "$(python3 -c "print(f'{$f / $r:.2f}')")" "$target" "${times[ferry,$op]# }" "${times[rclone,$op]# }" "$fc" "$rc" "$fs" "$rs"
  done
}

echo "== ferry $(git rev-parse --short HEAD), $(rclone version 2>/dev/null | head -1), radosgw $(radosgw --version | awk '{print $3}'), $(nproc) cores, $RUNS runs per tool, medians (s)"
echo "| case | operation | ferry | rclone | ferry/rclone | target | runs ferry / rclone | CPU ferry / rclone | radosgw CPU ferry / rclone |"
echo "|---|---|---|---|---|---|---|---|---|"
for c in "${CASES[@]}"; do
  case $c in
    small)
      gen "$WORK/small" "$SMALL_N" "$SMALL_SIZE"
      bench_case "small ${SMALL_N}x$((SMALL_SIZE / 1024))KB" "$WORK/small" "<= 0.80"
      rm -rf "$WORK/small" ;;
    large)
      gen "$WORK/large" "$LARGE_N" $((LARGE_MB * 1024 * 1024))
      bench_case "large ${LARGE_N}x${LARGE_MB}MB" "$WORK/large" "<= 1.00"
      rm -rf "$WORK/large" ;;
    *) echo "bench/s3.sh: unknown case $c (small | large)" >&2; exit 2 ;;
  esac
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
