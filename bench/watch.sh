#!/usr/bin/env bash
# Continuous mirroring: `ferry sync --watch --watch-delay 1s` against the inotify + rsync loops of the common
# tutorials, on the same trees (Debian's inotify-tools and rsync):
#
#   loop     while inotifywait -r -e modify,create,delete,move SRC; do rsync -a --delete SRC/ DST/; done
#   monitor  inotifywait -m -r -e close_write,create,delete,moved_to --format '%w%f' SRC | while read f; do rsync ...; done
#
# Cases (each tool runs alone on fresh directories; the order alternates between repetitions):
#   latency  200 single-file changes, one at a time: the time from the write to its arrival in DST (median, p99);
#            a change not in DST 5 s later counts as lost (the next one is written anyway)
#   burst    20,000 new files in 200 new directories, written as fast as Python can: the time until DST holds them
#            all, or how many it holds once nothing changed for SETTLE seconds (a tool that lost events never gets there)
#   idle     CPU the watcher uses while nothing changes, over IDLE seconds (after the burst settled)
#
#   bench/watch.sh                      every case, REPS=1
#   BENCH_TMP=/dev/shm REPS=3 bench/watch.sh latency burst
#   TOOLS=ferry bench/watch.sh          only some of the tools (ferry, loop, monitor)
#
# Small files: keep BENCH_TMP on tmpfs (/dev/shm) to time the tools, not the disk (bench/RESULTS.md).
set -euo pipefail
cd "$(dirname "$0")/.."

REPS=${REPS:-1}
CHANGES=${CHANGES:-200}
BURST_DIRS=${BURST_DIRS:-200}; BURST_FILES=${BURST_FILES:-100}
SETTLE=${SETTLE:-30}; IDLE=${IDLE:-60}; TIMEOUT=${TIMEOUT:-300}
CASES=("$@"); [ ${#CASES[@]} -gt 0 ] || CASES=(latency burst idle)

need=()
command -v inotifywait >/dev/null || need+=(inotify-tools)
command -v rsync >/dev/null || need+=(rsync)
if [ ${#need[@]} -gt 0 ]; then
  echo "bench/watch.sh: installing ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

echo "== building ferry (Release)" >&2
# shellcheck source=bench/publish-ferry.sh
. bench/publish-ferry.sh

WORK=$(mktemp -d "${BENCH_TMP:-/tmp}/ferry-watch.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
echo "== load average: $(cut -d' ' -f1-3 /proc/loadavg); work directory $WORK" >&2

python3 - "$FERRY" "$WORK" "$REPS" "$CHANGES" "$BURST_DIRS" "$BURST_FILES" "$SETTLE" "$IDLE" "$TIMEOUT" "${CASES[@]}" <<'EOF'
import os, signal, statistics, subprocess, sys, time

ferry, work, reps, changes, bdirs, bfiles, settle, idle, timeout = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:10])
cases = sys.argv[10:]
TOOLS = [t for t in os.environ.get("TOOLS", "ferry loop monitor").replace(",", " ").split() if t in ("ferry", "loop", "monitor")] or ["ferry", "loop", "monitor"]

def start(tool, src, dst):
    log = open(os.path.join(work, f"{tool}.log"), "a")
    if tool == "ferry":
        cmd = [ferry, "sync", "--watch", "--watch-delay", "1s", "--delete-dst", "--quiet", src + "/", dst + "/"]
    elif tool == "loop":
        cmd = ["bash", "-c", f'rsync -a --delete "$0/" "$1/"; while inotifywait -qq -r -e modify,create,delete,move "$0"; do rsync -a --delete "$0/" "$1/"; done', src, dst]
    else:
        # The per-file pattern: rsync each reported path (relative, so its directories come along).
        cmd = ["bash", "-c", 'rsync -a --delete "$0/" "$1/"; cd "$0"; inotifywait -q -m -r -e close_write,create,delete,moved_to --format "%w%f" . | '
               'while read -r f; do rsync -aR --delete --ignore-missing-args "$f" "$1/"; done', src, dst]
    return subprocess.Popen(cmd, stdout=log, stderr=log, start_new_session=True)

def stop(p):
    try:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()

def fresh(tool, case, rep):
    src, dst = (os.path.join(work, f"{case}-{tool}-{rep}-{side}") for side in ("src", "dst"))
    os.makedirs(src); os.makedirs(dst)
    return src, dst

def ready(tool, src, dst):
    # The watcher is up once a probe file written now arrives (ferry: after its first full sync).
    probe = os.path.join(src, ".probe")
    with open(probe, "w") as f:
        f.write("p")
    deadline = time.time() + 60
    while not os.path.exists(os.path.join(dst, ".probe")):
        if time.time() > deadline:
            raise SystemExit(f"{tool}: the watcher did not start")
        time.sleep(0.01)
    os.remove(probe)
    time.sleep(1.5)

def cpu_of_group(pgid):
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
    return total / os.sysconf("SC_CLK_TCK")

def latency(tool, rep):
    src, dst = fresh(tool, "latency", rep)
    p = start(tool, src, dst)
    ready(tool, src, dst)
    lat, lost = [], 0
    for i in range(changes):
        name = f"change-{i:04d}.txt"
        data = os.urandom(512)
        t0 = time.monotonic()
        with open(os.path.join(src, name), "wb") as f:
            f.write(data)
        target, arrived = os.path.join(dst, name), None
        while arrived is None and time.monotonic() - t0 < 5:
            try:
                if os.path.getsize(target) == len(data):
                    arrived = time.monotonic() - t0
                    break
            except FileNotFoundError:
                pass
            time.sleep(0.002)
        if arrived is None:
            lost += 1
        else:
            lat.append(arrived)
    stop(p)
    ok = sorted(lat)
    p99 = ok[min(len(ok) - 1, int(round(0.99 * len(ok))) - 1)] if ok else float("nan")
    return {"median": statistics.median(ok) if ok else float("nan"), "p99": p99, "lost": lost}

def count(dst):
    # Only the burst's files (d000/f000 ...).
    n = 0
    for root, _, files in os.walk(dst):
        if root != dst:
            n += sum(1 for f in files if f.startswith("f"))
    return n

def burst(tool, rep):
    src, dst = fresh(tool, "burst", rep)
    p = start(tool, src, dst)
    ready(tool, src, dst)
    total = bdirs * bfiles
    t0 = time.monotonic()
    for d in range(bdirs):
        dd = os.path.join(src, f"d{d:03d}")
        os.mkdir(dd)
        for f in range(bfiles):
            with open(os.path.join(dd, f"f{f:03d}"), "wb") as fh:
                fh.write(b"x" * 64)
    written = time.monotonic() - t0
    last, last_change, converged = -1, time.monotonic(), None
    while time.monotonic() - t0 < timeout:
        n = count(dst)
        if n != last:
            last, last_change = n, time.monotonic()
        if n == total:
            converged = time.monotonic() - t0
            break
        if time.monotonic() - last_change > settle:
            break
        time.sleep(0.05)
    cpu_idle = None
    if "idle" in cases:
        time.sleep(5)
        before = cpu_of_group(p.pid)
        time.sleep(idle)
        cpu_idle = cpu_of_group(p.pid) - before
    stop(p)
    return {"written": written, "converged": converged, "delivered": last, "total": total, "idle_cpu": cpu_idle}

results = {t: [] for t in TOOLS}
for rep in range(reps):
    order = TOOLS if rep % 2 == 0 else list(reversed(TOOLS))
    for tool in order:
        r = {}
        if "latency" in cases:
            r["latency"] = latency(tool, rep)
        if "burst" in cases or "idle" in cases:
            r["burst"] = burst(tool, rep)
        results[tool].append(r)
        print(f"{tool} rep {rep}: {r}", file=sys.stderr, flush=True)

def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None

print(f"\n| tool | latency median | latency p99 | changes lost | burst written in | burst converged in | burst delivered | idle CPU per {idle} s |")
print("|---|---|---|---|---|---|---|---|")
for tool in TOOLS:
    rs = results[tool]
    lm = med([r["latency"]["median"] for r in rs if "latency" in r])
    lp = med([r["latency"]["p99"] for r in rs if "latency" in r])
    ll = sum(r["latency"]["lost"] for r in rs if "latency" in r)
    bw = med([r["burst"]["written"] for r in rs if "burst" in r])
    bc = [r["burst"]["converged"] for r in rs if "burst" in r]
    bd = [f'{r["burst"]["delivered"]}/{r["burst"]["total"]}' for r in rs if "burst" in r]
    ic = med([r["burst"]["idle_cpu"] for r in rs if "burst" in r])
    fmt = lambda v, unit="s": "-" if v is None else f"{v:.3f} {unit}"
    conv = ", ".join("never" if c is None else f"{c:.1f} s" for c in bc) or "-"
    print(f"| {tool} | {fmt(lm)} | {fmt(lp)} | {ll} | {fmt(bw)} | {conv} | {', '.join(bd) or '-'} | {fmt(ic, 's CPU')} |")
EOF
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
