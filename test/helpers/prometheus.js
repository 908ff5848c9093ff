'use strict'

// A strict reader of Prometheus's text exposition format (version 0.0.4), for the tests of
// metrics().toPrometheus(): it throws, naming the line, at anything the format does not allow,
// and returns the metric families it read.
//
//   # HELP <name> <text, \\ and \n escaped>
//   # TYPE <name> counter|gauge|histogram|summary|untyped
//   <name>[{<label>="<value, \\ \" and \n escaped>",...}] <float> [<timestamp>]
//
// Checked besides: every family has one HELP and one TYPE, before its samples, which come together;
// a histogram's samples are <name>_bucket (with le), <name>_sum and <name>_count, and per label set
// the buckets rise with le, end at le="+Inf", and that bucket equals _count.

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped'])

function parsePrometheus (text) {
  if (!text.endsWith('\n')) throw new Error('the text must end with a newline')
  const families = new Map() // name -> { name, help, type, samples: [{ name, labels, value }] }
  const done = new Set() // families whose samples have ended
  let current = null
  const lines = text.slice(0, -1).split('\n')
  lines.forEach((line, i) => {
    const where = `line ${i + 1} (${JSON.stringify(line)})`
    if (line.startsWith('#')) {
      const m = line.match(/^# (HELP|TYPE) (\S+) (.*)$/)
      if (!m) throw new Error(`${where}: a comment line must be '# HELP name text' or '# TYPE name type'`)
      const [, kind, name, rest] = m
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name`)
      if (done.has(name)) throw new Error(`${where}: ${name} comes again after its samples`)
      const family = families.get(name) || { name, help: undefined, type: undefined, samples: [] }
      families.set(name, family)
      if (family.samples.length > 0) throw new Error(`${where}: ${kind} after ${name}'s samples`)
      if (kind === 'HELP') {
        if (family.help !== undefined) throw new Error(`${where}: a second HELP`)
        family.help = unescape(rest, false, where)
      } else {
        if (family.type !== undefined) throw new Error(`${where}: a second TYPE`)
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type`)
        family.type = rest
      }
      if (current !== null && current !== family) done.add(current.name)
      current = family
      return
    }
    if (line === '') throw new Error(`${where}: an empty line`)
    const sample = parseSample(line, where)
    const family = familyOf(sample.name, families)
    if (family === undefined || family.type === undefined || family.help === undefined) {
      throw new Error(`${where}: a sample before its family's HELP and TYPE`)
    }
    if (family !== current) throw new Error(`${where}: ${family.name}'s samples are not together`)
    family.samples.push(sample)
  })
  for (const family of families.values()) {
    if (family.type === undefined || family.help === undefined) throw new Error(`${family.name}: no ${family.type === undefined ? 'TYPE' : 'HELP'}`)
    if (family.type === 'histogram') checkHistogram(family)
  }
  return families
}

// The family a sample belongs to: its own name, or a histogram's name without the suffix.
function familyOf (name, families) {
  if (families.has(name)) return families.get(name)
  const m = name.match(/^(.*)_(bucket|sum|count)$/)
  const family = m && families.get(m[1])
  return family && family.type === 'histogram' ? family : undefined
}

function parseSample (line, where) {
  const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)( -?\d+)?$/)
  if (!m) throw new Error(`${where}: not a sample line`)
  const [, name, labelText, valueText] = m
  return { name, labels: labelText ? parseLabels(labelText.slice(1, -1), where) : {}, value: parseFloatText(valueText, where) }
}

// `a="x",b="y\"z"` (a trailing comma allowed, as the format does).
function parseLabels (text, where) {
  const labels = {}
  let i = 0
  while (i < text.length) {
    const eq = text.indexOf('=', i)
    if (eq === -1) throw new Error(`${where}: a label without =`)
    const name = text.slice(i, eq)
    if (!LABEL_NAME.test(name)) throw new Error(`${where}: bad label name ${JSON.stringify(name)}`)
    if (Object.hasOwn(labels, name)) throw new Error(`${where}: label ${name} twice`)
    if (text[eq + 1] !== '"') throw new Error(`${where}: label ${name}'s value is not quoted`)
    let j = eq + 2
    let raw = ''
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\n') throw new Error(`${where}: a raw newline in a label value`)
      if (text[j] === '\\') {
        raw += text[j] + (text[j + 1] === undefined ? '' : text[j + 1])
        j++
      } else {
        raw += text[j]
      }
    }
    if (text[j] !== '"') throw new Error(`${where}: label ${name}'s value is not closed`)
    labels[name] = unescape(raw, true, where)
    i = j + 1
    if (i < text.length) {
      if (text[i] !== ',') throw new Error(`${where}: labels must be separated by commas`)
      i++
    }
  }
  return labels
}

// HELP text escapes \\ and \n; label values \\, \" and \n. Any other backslash is an error here.
function unescape (text, quotes, where) {
  return text.replace(/\\(.?)/g, (all, c) => {
    if (c === '\\') return '\\'
    if (c === 'n') return '\n'
    if (c === '"' && quotes) return '"'
    throw new Error(`${where}: bad escape ${JSON.stringify(all)}`)
  })
}

function parseFloatText (text, where) {
  if (text === '+Inf') return Infinity
  if (text === '-Inf') return -Infinity
  if (text === 'NaN') return NaN
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`${where}: ${JSON.stringify(text)} is not a float`)
  return Number(text)
}

function checkHistogram (family) {
  const series = new Map() // label set without le -> { buckets: [[le, value]], sum, count }
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels
    const key = JSON.stringify(Object.entries(rest).sort())
    const one = series.get(key) || { buckets: [], sum: undefined, count: undefined }
    series.set(key, one)
    const suffix = sample.name.slice(family.name.length)
    if (suffix === '_bucket') {
      if (le === undefined) throw new Error(`${family.name}_bucket without le`)
      one.buckets.push([parseFloatText(le, `${family.name} le`), sample.value])
    } else if (suffix === '_sum' || suffix === '_count') {
      if (le !== undefined) throw new Error(`${family.name}${suffix} with le`)
      one[suffix.slice(1)] = sample.value
    } else {
      throw new Error(`${sample.name}: not a histogram sample of ${family.name}`)
    }
  }
  for (const [key, one] of series) {
    const where = `${family.name}${key}`
    if (one.buckets.length === 0 || one.sum === undefined || one.count === undefined) throw new Error(`${where}: needs _bucket, _sum and _count`)
    for (let i = 1; i < one.buckets.length; i++) {
      if (!(one.buckets[i][0] > one.buckets[i - 1][0])) throw new Error(`${where}: le must rise`)
      if (one.buckets[i][1] < one.buckets[i - 1][1]) throw new Error(`${where}: buckets must be cumulative`)
    }
    const last = one.buckets[one.buckets.length - 1]
    if (last[0] !== Infinity) throw new Error(`${where}: the last bucket must be le="+Inf"`)
    if (last[1] !== one.count) throw new Error(`${where}: the +Inf bucket must equal _count`)
  }
}

module.exports = { parsePrometheus }
