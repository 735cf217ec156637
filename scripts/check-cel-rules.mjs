// Evaluates the CEL rules (x-kubernetes-validations) of the generated CRDs against the samples and
// against variants that each rule must reject. No API server runs on the build machines, so this is
// how the rules were checked; it is not part of the test suite.
//
//   mkdir -p /tmp/cel && (cd /tmp/cel && npm install @marcbachmann/cel-js@8.0.0)
//   NODE_PATH=/tmp/cel/node_modules node scripts/check-cel-rules.mjs
//
// Caveats: this is a CEL evaluator, not the API server's: no cost estimation, date-time fields are
// compared as RFC 3339 strings rather than timestamps, and integers are JavaScript numbers.
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'

const require = createRequire(path.join(process.env.NODE_PATH ?? '.', 'x.js'))
const { evaluate } = await import(require.resolve('@marcbachmann/cel-js'))
const kubectl = process.env.FERRY_KUBECTL || 'kubectl'
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')

function read (file) {
  const out = execFileSync(kubectl, ['label', '--local', '-f', path.join(root, file), 'cel=x', '-o', 'json'],
    { env: { ...process.env, KUBECONFIG: '/dev/null' } }).toString()
  const obj = JSON.parse(out)
  delete obj.metadata.labels.cel
  return obj
}

const schemas = {}
for (const file of ['crds/ferry.io_syncjobs.yaml', 'crds/ferry.io_replicamirrors.yaml']) {
  const crd = read(file)
  schemas[crd.spec.names.kind] = crd.spec.versions[0].schema.openAPIV3Schema
}

// Returns the failed rules as "path: message".
function check (schema, self, oldSelf, at = '') {
  const failures = []
  for (const v of schema['x-kubernetes-validations'] ?? []) {
    const transition = v.rule.includes('oldSelf')
    if (transition && oldSelf === undefined) continue
    let ok
    try {
      ok = evaluate(v.rule, transition ? { self, oldSelf } : { self })
    } catch (e) {
      failures.push(`${at || '<root>'}: ERROR ${e.message} in ${v.rule}`)
      continue
    }
    if (ok !== true) failures.push(`${at || '<root>'}: ${v.message}`)
  }
  if (self && typeof self === 'object' && !Array.isArray(self) && schema.properties) {
    for (const [name, sub] of Object.entries(schema.properties)) {
      if (self[name] !== undefined) {
        failures.push(...check(sub, self[name], oldSelf?.[name], `${at}.${name}`))
      }
    }
  }
  if (Array.isArray(self) && schema.items) {
    self.forEach((item, i) => failures.push(...check(schema.items, item, undefined, `${at}[${i}]`)))
  }
  return failures
}

const clone = (o) => JSON.parse(JSON.stringify(o))
const job = read('config/samples/syncjob-s3-to-volume.yaml')
const mirror = read('config/samples/replicamirror-s3-two-regions.yaml')
const started = (o) => { const c = clone(o); c.status = { phase: 'Running', startTime: '2026-01-01T00:00:00Z' }; return c }

const cases = [
  ['SyncJob sample', job, undefined, []],
  ['ReplicaMirror sample', mirror, undefined, []],
  ['SyncJob update before start', (() => { const c = clone(job); c.spec.threads = 99; return c })(), job, []],
  ['SyncJob spec change after start', (() => { const c = started(job); c.spec.threads = 99; return c })(), started(job), ['spec is immutable']],
  ['SyncJob new optional field after start', (() => { const c = started(job); c.spec.dryRun = true; return c })(), started(job), ['spec is immutable']],
  ['SyncJob field removed after start', (() => { const c = started(job); delete c.spec.filters; return c })(), started(job), ['spec is immutable']],
  ['SyncJob source change after start', (() => { const c = started(job); c.spec.source.s3.bucket = 'other'; return c })(), started(job), ['spec is immutable']],
  ['SyncJob suspend after start', (() => { const c = started(job); c.spec.suspend = true; return c })(), started(job), []],
  ['SyncJob ttl change after start', (() => { const c = started(job); c.spec.ttlSecondsAfterFinished = 5; return c })(), started(job), []],
  ['SyncJob workers and runner change after start', (() => { const c = started(job); c.spec.workers = 8; c.spec.runner.resources.limits.memory = '8Gi'; return c })(), started(job), []],
  ['SyncJob status-only update after start', (() => { const c = started(job); c.status.phase = 'Succeeded'; return c })(), started(job), []],
  ['two endpoint kinds', (() => { const c = clone(job); c.spec.source.volume = { claimName: 'x' }; return c })(), undefined, ['exactly one of s3, volume or sftp']],
  ['no endpoint kind', (() => { const c = clone(job); c.spec.destination = {}; return c })(), undefined, ['exactly one of s3, volume or sftp']],
  ['filter with include and exclude', (() => { const c = clone(job); c.spec.filters[0].include = 'a'; return c })(), undefined, ['exactly one of include or exclude']],
  ['destination volume readOnly', (() => { const c = clone(job); c.spec.destination.volume.readOnly = true; return c })(), undefined, ['destination.volume.readOnly must not be true']],
  ['path with ..', (() => { const c = clone(job); c.spec.destination.volume.path = 'a/../b'; return c })(), undefined, ["path must not contain '..'"]],
  ['path with dots in names', (() => { const c = clone(job); c.spec.destination.volume.path = 'a/..b/c..'; return c })(), undefined, []],
  ['existing and ignoreExisting', (() => { const c = clone(job); c.spec.existing = true; c.spec.ignoreExisting = true; return c })(), undefined, ['existing and ignoreExisting']],
  ['startTime after endTime', (() => { const c = clone(job); c.spec.startTime = '2026-02-01T00:00:00Z'; c.spec.endTime = '2026-01-01T00:00:00Z'; return c })(), undefined, ['startTime must be before endTime']],
  ['start after end', (() => { const c = clone(job); c.spec.start = 'm'; c.spec.end = 'b'; return c })(), undefined, ['start must not sort after end']],
  ['start equal to end (end is inclusive)', (() => { const c = clone(job); c.spec.start = 'm'; c.spec.end = 'm'; return c })(), undefined, []],
  ['schedule and interval', (() => { const c = clone(mirror); c.spec.interval = '5m'; return c })(), undefined, ['at most one of schedule or interval']],
  ['mirror deleteSrc', (() => { const c = clone(mirror); c.spec.deleteSrc = true; return c })(), undefined, ['deleteSrc is not allowed']],
  ['mirror readOnly destination', (() => { const c = clone(mirror); c.spec.destinations[1] = { name: 'pvc', volume: { claimName: 'x', readOnly: true } }; return c })(), undefined, ['a destination volume must not be readOnly']],
  ['mirror spec change', (() => { const c = clone(mirror); c.spec.threads = 1; return c })(), mirror, []],
]

let failed = 0
for (const [name, obj, old, expected] of cases) {
  const got = check(schemas[obj.kind], obj, old)
  const ok = got.length === expected.length && expected.every((e) => got.some((g) => g.includes(e)))
  if (!ok) failed++
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? '' : `: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`}`)
}
console.log(`${cases.length - failed} passed, ${failed} failed`)
process.exit(failed ? 1 : 0)
