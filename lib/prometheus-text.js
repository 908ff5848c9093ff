'use strict'

// A metrics() snapshot (./metrics.js) as Prometheus's text exposition format, version 0.0.4: per
// metric a `# HELP` and a `# TYPE` line, then its samples, `name{label="value",...} number`; label
// values escape backslash, double quote and newline; a histogram has cumulative `_bucket` samples
// ending with le="+Inf", then `_sum` and `_count`. Every name starts `generic_session_`.

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

function render (snapshot) {
  const out = []
  const family = (name, type, help, samples) => {
    out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`)
    for (const [suffix, labels, value] of samples) out.push(`${name}${suffix}${labelText(labels)} ${number(value)}`)
  }
  family('generic_session_created_total', 'counter', 'Sessions created: a new session\'s cookie written for the first time.',
    [['', [], snapshot.created]])
  family('generic_session_regenerated_total', 'counter', 'Sessions moved to a new id by session.regenerate().',
    [['', [], snapshot.regenerated]])
  family('generic_session_destroyed_total', 'counter', 'Sessions revoked by session.destroy().',
    [['', [], snapshot.destroyed]])
  family('generic_session_expired_total', 'counter', 'Sessions a store found expired and removed, by store (where the store can tell).',
    Object.entries(snapshot.expired).map(([store, n]) => ['', [['store', store]], n]))
  family('generic_session_rejected_total', 'counter', 'Session cookies or tokens refused, by reason; a new session started instead.',
    Object.entries(snapshot.rejected).map(([reason, n]) => ['', [['reason', reason]], n]))
  family('generic_session_store_errors_total', 'counter', 'Session calls to a store whose callback got an error, by store and operation.',
    snapshot.storeCalls.map((s) => ['', [['store', s.store], ['operation', s.operation]], s.errors]))
  const durations = []
  for (const s of snapshot.storeCalls) {
    const labels = [['store', s.store], ['operation', s.operation]]
    for (const bucket of s.buckets) durations.push(['_bucket', [...labels, ['le', number(bucket.le)]], bucket.calls])
    durations.push(['_bucket', [...labels, ['le', '+Inf']], s.calls], ['_sum', labels, s.seconds], ['_count', labels, s.calls])
  }
  family('generic_session_store_call_duration_seconds', 'histogram', 'Duration of Session calls to a store, from the call to its callback, by store and operation.',
    durations)
  return out.join('\n') + '\n'
}

function labelText (labels) {
  if (labels.length === 0) return ''
  return '{' + labels.map(([name, value]) => `${name}="${escapeLabel(String(value))}"`).join(',') + '}'
}

function escapeLabel (value) {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : '\\' + c))
}

function escapeHelp (text) {
  return text.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'))
}

// A sample value (or an le bound) as Prometheus reads floats: +Inf, -Inf, NaN, else JavaScript's
// shortest round-tripping text (5e-05 and 0.0001 both parse).
function number (value) {
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  if (Number.isNaN(value)) return 'NaN'
  return String(value)
}

module.exports = { render, CONTENT_TYPE }
