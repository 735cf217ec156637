#!/usr/bin/env bash
# Peak resident memory of the sync engine (range scan + merge-join planning + decisions) over two
# generated in-memory stores of N keys each, one process per N: it must stay flat as N grows.
#
#   bench/memory.sh                       N = 10,000, 100,000, 1,000,000 (no-op resync: all keys skipped)
#   bench/memory.sh 10000 3000000         other sizes
#   MODE=empty bench/memory.sh            empty destination, --dry (every key planned as a copy)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=("$@"); [ ${#SIZES[@]} -gt 0 ] || SIZES=(10000 100000 1000000)
dotnet build bench/Ferry.Bench -c Release -nologo -v q >/dev/null
for n in "${SIZES[@]}"; do
  dotnet bench/Ferry.Bench/bin/Release/net10.0/ferry-bench.dll plan "$n" "${MODE:-same}"
done
