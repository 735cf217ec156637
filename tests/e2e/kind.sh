#!/usr/bin/env bash
# End-to-end scenario 1 on a real Kubernetes cluster (kind), for machines with Docker:
#   build the image from the repository's Dockerfile, load it into kind, install the CRDs, install ferry-operator with
#   the Helm chart (charts/ferry: Deployment, RBAC, runner ServiceAccount), start MinIO in the cluster, upload a real directory tree to it, apply a SyncJob copying it to a PVC
#   with 3 runner pods, wait for Complete, and check the counts in the status and the copy byte for byte.
#
# Usage: tests/e2e/kind.sh            (from anywhere; needs docker, kind, kubectl and helm)
# Environment:
#   FERRY_KIND_CLUSTER  kind cluster name (default ferry-e2e; created if missing, deleted at the end if created here)
#   FERRY_KEEP_CLUSTER  1 keeps the cluster afterwards for inspection
#   FERRY_IMAGE         image tag to build and load (default ferry.local/ferry:e2e)
#   MINIO_IMAGE         MinIO server image (default quay.io/minio/minio:latest)
#   MC_IMAGE            MinIO client image, makes the bucket (default quay.io/minio/mc:latest)
#   FERRY_KUBECTL       kubectl to use (default kubectl)
#   FERRY_HELM          helm to use (default helm)
#   TIMEOUT             seconds to wait for each step (default 300)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLUSTER="${FERRY_KIND_CLUSTER:-ferry-e2e}"
IMAGE="${FERRY_IMAGE:-ferry.local/ferry:e2e}"
MINIO_IMAGE="${MINIO_IMAGE:-quay.io/minio/minio:latest}"
MC_IMAGE="${MC_IMAGE:-quay.io/minio/mc:latest}"
KUBECTL="${FERRY_KUBECTL:-kubectl}"
HELM="${FERRY_HELM:-helm}"
TIMEOUT="${TIMEOUT:-300}"
NS=ferry-e2e
SYSTEM_NS=ferry-system
# Throwaway credentials of the in-cluster MinIO (never leave the cluster).
MINIO_USER=ferry-e2e
MINIO_PASSWORD="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"

log() { printf '\n== %s\n' "$*" >&2; }
k() { "$KUBECTL" --context "kind-$CLUSTER" "$@"; }

for tool in docker kind "$KUBECTL" "$HELM"; do
  command -v "$tool" >/dev/null || { echo "kind.sh: $tool is required" >&2; exit 2; }
done

created=0
cleanup() {
  status=$?
  if [[ $status -ne 0 ]]; then
    log "FAILED; state of namespace $NS and the operator's log"
    k get syncjobs,jobs,pods,leases -n "$NS" -o wide 2>/dev/null || true
    k get syncjobs -n "$NS" -o yaml 2>/dev/null | sed -n '/^  status:/,$p' || true
    k logs -n "$SYSTEM_NS" deployment/ferry --tail=80 2>/dev/null || true
    for pod in $(k get pods -n "$NS" -l ferry.io/syncjob=docs -o name 2>/dev/null); do
      echo "--- $pod"; k logs -n "$NS" "$pod" --tail=30 2>/dev/null || true
    done
  fi
  if [[ $created -eq 1 && "${FERRY_KEEP_CLUSTER:-0}" != 1 ]]; then
    kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true
  fi
  exit "$status"
}
trap cleanup EXIT

if ! kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
  log "creating kind cluster $CLUSTER"
  kind create cluster --name "$CLUSTER" --wait 120s
  created=1
fi

log "building $IMAGE"
docker build -t "$IMAGE" "$ROOT"
kind load docker-image "$IMAGE" --name "$CLUSTER"

log "installing the CRDs"
k apply -f "$ROOT/crds/"
k wait --for=condition=Established --timeout="${TIMEOUT}s" crd/syncjobs.ferry.io crd/replicamirrors.ferry.io

log "installing ferry-operator with the Helm chart into $SYSTEM_NS"
k create namespace "$NS" --dry-run=client -o yaml | k apply -f -
"$HELM" upgrade --install ferry "$ROOT/charts/ferry" --kube-context "kind-$CLUSTER" \
  --namespace "$SYSTEM_NS" --create-namespace \
  --set image.repository="${IMAGE%:*}" --set image.tag="${IMAGE##*:}" --set image.pullPolicy=Never \
  --set "runner.namespaces={$NS}" --set operator.leaseDurationSeconds=10 --set operator.logFormat=text \
  --wait --timeout "${TIMEOUT}s"

log "MinIO and the S3 credentials in $NS"
k create secret generic minio-credentials -n "$NS" \
  --from-literal=accessKeyId="$MINIO_USER" --from-literal=secretAccessKey="$MINIO_PASSWORD" \
  --dry-run=client -o yaml | k apply -f -
k apply -f - <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: minio, namespace: $NS}
spec:
  replicas: 1
  selector: {matchLabels: {app: minio}}
  template:
    metadata: {labels: {app: minio}}
    spec:
      containers:
        - name: minio
          image: $MINIO_IMAGE
          args: [server, /data]
          env:
            - {name: MINIO_ROOT_USER, valueFrom: {secretKeyRef: {name: minio-credentials, key: accessKeyId}}}
            - {name: MINIO_ROOT_PASSWORD, valueFrom: {secretKeyRef: {name: minio-credentials, key: secretAccessKey}}}
          ports: [{containerPort: 9000}]
          readinessProbe: {httpGet: {path: /minio/health/ready, port: 9000}, periodSeconds: 2}
          volumeMounts: [{name: data, mountPath: /data}]
      volumes: [{name: data, emptyDir: {}}]
---
apiVersion: v1
kind: Service
metadata: {name: minio, namespace: $NS}
spec:
  selector: {app: minio}
  ports: [{port: 9000, targetPort: 9000}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: docs, namespace: $NS}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
EOF
k rollout status -n "$NS" deployment/minio --timeout="${TIMEOUT}s"

# The input: the image's own /usr/share/doc (a real tree of package documentation), symlinks left out since S3
# holds none. The verify step rebuilds the same tree from the same image and compares it with the copy.
TREE_SCRIPT='mkdir -p /tmp/tree && cp -a /usr/share/doc/. /tmp/tree/ && find /tmp/tree -type l -delete'

log "uploading /usr/share/doc of the image to s3://ferry-src/doc/ on MinIO"
k delete job seed -n "$NS" --ignore-not-found
k apply -f - <<EOF
apiVersion: batch/v1
kind: Job
metadata: {name: seed, namespace: $NS}
spec:
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      initContainers:
        - name: bucket
          image: $MC_IMAGE
          command: [/bin/sh, -c, 'mc alias set m http://minio:9000 "\$USER" "\$PASSWORD" && mc mb --ignore-existing m/ferry-src']
          env:
            - {name: MC_CONFIG_DIR, value: /tmp/mc}
            - {name: USER, valueFrom: {secretKeyRef: {name: minio-credentials, key: accessKeyId}}}
            - {name: PASSWORD, valueFrom: {secretKeyRef: {name: minio-credentials, key: secretAccessKey}}}
      containers:
        - name: upload
          image: $IMAGE
          imagePullPolicy: Never
          command: [/bin/sh, -c, '$TREE_SCRIPT && find /tmp/tree -type f | wc -l > /dev/termination-log && exec ferry sync /tmp/tree/ "s3://ferry-src/doc/?endpoint=http://minio:9000"']
          env:
            - {name: AWS_ACCESS_KEY_ID, valueFrom: {secretKeyRef: {name: minio-credentials, key: accessKeyId}}}
            - {name: AWS_SECRET_ACCESS_KEY, valueFrom: {secretKeyRef: {name: minio-credentials, key: secretAccessKey}}}
EOF
k wait --for=condition=Complete -n "$NS" job/seed --timeout="${TIMEOUT}s"
k logs -n "$NS" job/seed -c upload --tail=5
count="$(k get pods -n "$NS" -l job-name=seed -o jsonpath='{.items[0].status.containerStatuses[0].state.terminated.message}' | tr -d '[:space:]')"
[[ "$count" =~ ^[0-9]+$ && "$count" -gt 0 ]] || { echo "kind.sh: could not read the number of files uploaded ('$count')" >&2; exit 1; }
echo "source: $count files"

log "applying the SyncJob (3 workers) and waiting for Complete"
k delete syncjob docs -n "$NS" --ignore-not-found
k apply -f - <<EOF
apiVersion: ferry.io/v1alpha1
kind: SyncJob
metadata: {name: docs, namespace: $NS}
spec:
  source:
    s3:
      bucket: ferry-src
      prefix: doc/
      endpoint: http://minio.$NS.svc:9000
      forcePathStyle: true
      credentialsSecretRef: {name: minio-credentials}
  destination:
    volume: {claimName: docs, path: docs}
  workers: 3
  taskObjects: 200
  runner:
    image: $IMAGE
    serviceAccountName: ferry-runner
EOF
k wait --for=condition=Complete -n "$NS" syncjob/docs --timeout="${TIMEOUT}s"
k get syncjob docs -n "$NS" -o wide

phase="$(k get syncjob docs -n "$NS" -o jsonpath='{.status.phase}')"
copied="$(k get syncjob docs -n "$NS" -o jsonpath='{.status.progress.copied}')"
scanned="$(k get syncjob docs -n "$NS" -o jsonpath='{.status.progress.scanned}')"
failed="$(k get syncjob docs -n "$NS" -o jsonpath='{.status.progress.failed}')"
parallelism="$(k get job "ferry-docs" -n "$NS" -o jsonpath='{.spec.parallelism}')"
echo "phase=$phase scanned=$scanned copied=$copied failed=${failed:-0} parallelism=$parallelism"
[[ "$phase" == Succeeded ]] || { echo "kind.sh: phase is '$phase', not Succeeded" >&2; exit 1; }
[[ "$copied" == "$count" && "$scanned" == "$count" ]] || { echo "kind.sh: copied/scanned $copied/$scanned, expected $count" >&2; exit 1; }
[[ "${failed:-0}" == 0 ]] || { echo "kind.sh: $failed objects failed" >&2; exit 1; }
[[ "$parallelism" == 3 ]] || { echo "kind.sh: runner Job parallelism $parallelism, expected 3" >&2; exit 1; }

log "verifying the copy on the volume byte for byte"
k delete job verify -n "$NS" --ignore-not-found
k apply -f - <<EOF
apiVersion: batch/v1
kind: Job
metadata: {name: verify, namespace: $NS}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      securityContext: {runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532}
      containers:
        - name: verify
          image: $IMAGE
          imagePullPolicy: Never
          command:
            - /bin/sh
            - -c
            - >-
              $TREE_SCRIPT &&
              (cd /tmp/tree && find . -type f -print0 | sort -z | xargs -0 sha256sum) > /tmp/want &&
              (cd /data/docs && find . -type f -print0 | sort -z | xargs -0 sha256sum) > /tmp/got &&
              diff /tmp/want /tmp/got && echo "identical: \$(wc -l < /tmp/want) files"
          volumeMounts: [{name: docs, mountPath: /data}, {name: tmp, mountPath: /tmp}]
      volumes:
        - {name: docs, persistentVolumeClaim: {claimName: docs}}
        - {name: tmp, emptyDir: {}}
EOF
if ! k wait --for=condition=Complete -n "$NS" job/verify --timeout="${TIMEOUT}s"; then
  k logs -n "$NS" job/verify --tail=40 || true
  exit 1
fi
k logs -n "$NS" job/verify --tail=1
log "PASS: scenario 1 on kind ($count objects copied by 3 workers, identical)"
