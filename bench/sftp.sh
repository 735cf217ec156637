#!/usr/bin/env bash
# Compares `ferry sync` with `rclone sync` over SFTP, and both with OpenSSH's own `sftp -b` (raw throughput of one
# connection), against a private sshd on 127.0.0.1: many small files and a few large ones, upload (local -> SFTP) and
# download (SFTP -> local). Prints the median wall time of each tool, the ratio Ferry/peer and MB/s (issue 3's
# targets: small files <= 0.8x rclone's time, large files <= rclone's time).
#
#   bench/sftp.sh                      all cases, 3 runs each
#   RUNS=5 bench/sftp.sh small         one case (small | large), 5 runs
#   LARGE_N=4 LARGE_MB=256 bench/sftp.sh large
#   BENCH_TMP=/mnt/disk bench/sftp.sh  where the local inputs and outputs and the sshd's data go (default: /tmp)
#   BENCH_TMP=/dev/shm bench/sftp.sh   all on tmpfs: the tools and the protocol without the disk (see RESULTS-sftp.md:
#                                      on ext4 without a journal, as on the build machine, creating files soon after
#                                      deleting many spends most of the time in the kernel's inode allocator)
#   TOOLS="ferry rclone-nohash" bench/sftp.sh   which tools (ferry first; default: ferry rclone rclone-nohash sftp)
#
# Tools: `ferry` (Release build, default options), `rclone` (rclone sync with its defaults: to verify each
# transferred file it asks the server for its MD5/SHA-1 by running `md5sum`/`sha1sum` on an ssh exec channel, a
# shell command per file), `rclone-nohash` (the same with --sftp-disable-hashcheck: no verification by hash, like
# Ferry's default), `sftp` (OpenSSH's client, `put -r`/`get -r` in batch mode on one connection: the raw throughput
# reference).
#
# The sshd is the test suite's (tests/Ferry.Testing SshdServer: own config, host key, client key, known_hosts, a
# dedicated user when run as root), started through bench/Ferry.Bench.Sftp and stopped by it when this script exits.
# Client and server share the machine, so every number includes the server's CPU too.
# Each case starts with WARMUP (default 1) untimed runs of every tool; runs then interleave the tools, in the given
# order in odd runs and reversed in even ones (ferry, rclone, rclone, ferry, ...), so that background load and
# whatever one run leaves behind hit all alike; each timed copy goes into a fresh, empty destination, after an
# untimed `sync`; the page cache is warm for every tool. ferry is published with ReadyToRun (bench/publish-ferry.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
WARMUP=${WARMUP:-1}
SMALL_N=${SMALL_N:-10000}; SMALL_SIZE=${SMALL_SIZE:-4096}
LARGE_N=${LARGE_N:-10};    LARGE_MB=${LARGE_MB:-100}
CASES=("$@"); [ ${#CASES[@]} -gt 0 ] || CASES=(small large)
read -r -a TOOL_LIST <<<"${TOOLS:-ferry rclone rclone-nohash sftp}"
[ "${TOOL_LIST[0]}" = ferry ] || { echo "bench/sftp.sh: TOOLS must start with ferry" >&2; exit 2; }

for tool in rclone sftp ssh python3 /usr/bin/time /usr/sbin/sshd; do
  command -v "$tool" >/dev/null || { echo "bench/sftp.sh: $tool is required" >&2; exit 2; }
done

echo "== building ferry and the sshd starter (Release)" >&2
# shellcheck source=bench/publish-ferry.sh
. bench/publish-ferry.sh
dotnet build bench/Ferry.Bench.Sftp -c Release -nologo -v q >/dev/null

WORK=$(mktemp -d "${BENCH_TMP:-/tmp}/ferry-sftpbench.XXXXXX")
# The starter stops sshd when its standard input closes: it reads from this FIFO, which fd 3 holds open.
mkfifo "$WORK/sshd-in"
TMPDIR=$(dirname "$WORK") dotnet bench/Ferry.Bench.Sftp/bin/Release/net10.0/ferry-bench-sshd.dll <"$WORK/sshd-in" >"$WORK/sshd-out" 2>&1 &
STARTER=$!
exec 3>"$WORK/sshd-in"
cleanup() { exec 3>&-; wait "$STARTER" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
for _ in $(seq 1 300); do grep -q '^READY$' "$WORK/sshd-out" 2>/dev/null && break; kill -0 "$STARTER" 2>/dev/null || break; sleep 0.1; done
grep -q '^READY$' "$WORK/sshd-out" || { echo "bench/sftp.sh: sshd did not start:" >&2; cat "$WORK/sshd-out" >&2; exit 1; }
eval "$(grep '^SSHD_[A-Z_]*=' "$WORK/sshd-out")"
REMOTE=$SSHD_DATA   # what the sshd user sees at these absolute paths is this local directory

# Ferry's URL form, and rclone's remote "X" from environment variables (no config file).
ferry_url() { echo "sftp://$SSHD_USER@$SSHD_HOST:$SSHD_PORT$REMOTE/$1/?identity=$SSHD_IDENTITY&known-hosts=$SSHD_KNOWN_HOSTS"; }
export RCLONE_CONFIG_X_TYPE=sftp RCLONE_CONFIG_X_HOST=$SSHD_HOST RCLONE_CONFIG_X_PORT=$SSHD_PORT \
       RCLONE_CONFIG_X_USER=$SSHD_USER RCLONE_CONFIG_X_KEY_FILE=$SSHD_IDENTITY RCLONE_CONFIG_X_KNOWN_HOSTS_FILE=$SSHD_KNOWN_HOSTS
SFTP_ARGS=(-q -i "$SSHD_IDENTITY" -o "UserKnownHostsFile=$SSHD_KNOWN_HOSTS" -o BatchMode=yes -P "$SSHD_PORT")

# gen DIR COUNT SIZE: COUNT files of SIZE random bytes, 1000 per subdirectory.
gen() {
  python3 - "$1" "$2" "$3" <<'PY'
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
PY
}

gen_large() {
  mkdir -p "$1"
  for i in $(seq 1 "$2"); do head -c "$(( $3 * 1024 * 1024 ))" /dev/urandom >"$1/large$i.bin"; done
}

# give PATH: the sshd user owns PATH (when this runs as root, sshd's user is a dedicated one).
give() { [ "$SSHD_USER" = "$(id -un)" ] || chown -R "$SSHD_USER:" "$1"; }

# run_tool TOOL DIRECTION NAME DST: one copy. up: local $WORK/NAME -> remote REMOTE/DST; down: remote REMOTE/NAME -> local DST.
run_tool() {
  local tool=$1 dir=$2 name=$3 dst=$4
  case $tool,$dir in
    ferry,up)    "$FERRY" sync --quiet "$WORK/$name/" "$(ferry_url "$dst")" ;;
    ferry,down)  "$FERRY" sync --quiet "$(ferry_url "$name")" "$dst/" ;;
    rclone,up)   env -u AWS_CA_BUNDLE rclone sync "$WORK/$name/" "X:$REMOTE/$dst" ;;
    rclone,down) env -u AWS_CA_BUNDLE rclone sync "X:$REMOTE/$name" "$dst/" ;;
    rclone-nohash,up)   env -u AWS_CA_BUNDLE rclone sync --sftp-disable-hashcheck "$WORK/$name/" "X:$REMOTE/$dst" ;;
    rclone-nohash,down) env -u AWS_CA_BUNDLE rclone sync --sftp-disable-hashcheck "X:$REMOTE/$name" "$dst/" ;;
    sftp,up)     printf 'put -r %s %s\n' "$WORK/$name" "$REMOTE/$dst" | sftp "${SFTP_ARGS[@]}" -b - "$SSHD_USER@$SSHD_HOST" ;;
    sftp,down)   printf 'get -r %s %s\n' "$REMOTE/$name" "$dst" | sftp "${SFTP_ARGS[@]}" -b - "$SSHD_USER@$SSHD_HOST" ;;
  esac
}

# summary DIR: "files bytes"
summary() { find "$1" -type f -printf '%s\n' | awk '{n++; b+=$1} END {printf "%d %d", n, b}'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

declare -A WALL CPU
# bench_case LABEL NAME DIRECTION TOOL...: $WORK/NAME is the local input; for down it is also copied to REMOTE/NAME.
bench_case() {
  local label=$1 name=$2 dir=$3; shift 3
  local tools=("$@") want bytes; want=$(summary "$WORK/$name"); bytes=${want#* }
  local order reversed=() i
  for ((i = ${#tools[@]} - 1; i >= 0; i--)); do reversed+=("${tools[i]}"); done
  for r in $(seq $((1 - WARMUP)) "$RUNS"); do
    # Run 0 (and below) is an untimed warm-up; the order alternates so that no tool always follows the same one.
    if (( r % 2 == 0 )); then order=("${reversed[@]}"); else order=("${tools[@]}"); fi
    for tool in "${order[@]}"; do
      local dst out
      if [ "$dir" = up ]; then dst="dst-$tool"; out="$REMOTE/$dst"; else dst="$WORK/dst-$tool"; out=$dst; fi
      rm -rf "$out"
      [ "$tool" = sftp ] || { mkdir -p "$out"; [ "$dir" = down ] || give "$out"; }
      sync # untimed: no tool pays for writing back the inputs or another run's output (dirty page cache)
      if ! /usr/bin/time -f "%e %U %S" -o "$WORK/time" bash -c "$(declare -f run_tool ferry_url); $(declare -p SFTP_ARGS); FERRY='$FERRY' WORK='$WORK' REMOTE='$REMOTE' SSHD_USER='$SSHD_USER' SSHD_HOST='$SSHD_HOST' SSHD_PORT='$SSHD_PORT' SSHD_IDENTITY='$SSHD_IDENTITY' SSHD_KNOWN_HOSTS='$SSHD_KNOWN_HOSTS'; run_tool $tool $dir '$name' '$dst'" >"$WORK/out" 2>"$WORK/err"; then
        echo "bench/sftp.sh: $tool $dir failed:" >&2; cat "$WORK/err" >&2; exit 1
      fi
      read -r wall user sys < <(tail -n 1 "$WORK/time")
      local got; got=$(summary "$out")
      [ "$got" = "$want" ] || { echo "bench/sftp.sh: $tool $dir produced '$got' (files bytes), want '$want'" >&2; exit 1; }
      local cpu; cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')
      rm -rf "$out"
      if (( r < 1 )); then echo "   $label warm-up: $tool ${wall}s (not counted)" >&2; continue; fi
      WALL[$label,$tool]+="$wall "; CPU[$label,$tool]+="$cpu "
      echo "   $label run $r: $tool ${wall}s (client cpu ${cpu}s)" >&2
    done
  done
  local ferry; ferry=$(echo "${WALL[$label,ferry]}" | median)
  for tool in "${tools[@]}"; do
    local m c ratio="" target=""
    m=$(echo "${WALL[$label,$tool]}" | median); c=$(echo "${CPU[$label,$tool]}" | median)
    if [ "$tool" != ferry ]; then
      ratio=$(awk -v f="$ferry" -v p="$m" 'BEGIN {printf "%.2f", (p > 0 ? f / p : 0)}')
      case "$label,$tool" in small*,rclone*) target="target <= 0.80" ;; large*,rclone*) target="target <= 1.00" ;; esac
    fi
    printf '| %-24s | %-13s | %8.2f | %8.2f | %7.1f | %-22s | %-6s | %-14s |\n' "$label" "$tool" "$m" "$c" \
      "$(awk -v b="$bytes" -v t="$m" 'BEGIN {print (t > 0 ? b / t / 1e6 : 0)}')" "${WALL[$label,$tool]% }" "$ratio" "$target"
  done
}

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== ferry $(git rev-parse --short HEAD), $(rclone version 2>/dev/null | head -1), $(ssh -V 2>&1), dotnet $(dotnet --version), sshd on $SSHD_HOST:$SSHD_PORT as $SSHD_USER, $RUNS runs per tool, medians"
echo
echo '| case                     | tool          | wall s   | cpu s    | MB/s    | runs (wall s)          | ferry/ | target         |'
echo '|--------------------------|---------------|----------|----------|---------|------------------------|--------|----------------|'
for c in "${CASES[@]}"; do
  case $c in
    small) n=small; echo "== generating $SMALL_N x $SMALL_SIZE B" >&2; gen "$WORK/$n" "$SMALL_N" "$SMALL_SIZE"
           label="small ${SMALL_N}x$((SMALL_SIZE / 1024))KB" ;;
    large) n=large; echo "== generating $LARGE_N x $LARGE_MB MiB" >&2; gen_large "$WORK/$n" "$LARGE_N" "$LARGE_MB"
           label="large ${LARGE_N}x${LARGE_MB}MiB" ;;
    *) echo "bench/sftp.sh: unknown case '$c' (small, large)" >&2; exit 2 ;;
  esac
  bench_case "$label up" "$n" up "${TOOL_LIST[@]}"
  cp -r "$WORK/$n" "$REMOTE/$n"; give "$REMOTE/$n"
  bench_case "$label down" "$n" down "${TOOL_LIST[@]}"
  rm -rf "$WORK/$n" "$REMOTE/$n"
done
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
