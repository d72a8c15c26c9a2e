// Checks that bench.js scores exactly like package eval: the same fixture
// and readings as eval's TestGolden, the same fake latency (1.5 µs a byte
// of text), must give eval/testdata/report.json byte for byte.
// Run: node --test eval/nlpjs/ (needs no node_modules).
'use strict';

const assert = require('node:assert');
const path = require('node:path');
const fs = require('node:fs');
const test = require('node:test');
const { load, report, mapIntent } = require('./bench.js');

const testdata = path.join(__dirname, '..', 'testdata');

test('report matches eval/testdata/report.json', () => {
  const ex = load([path.join(testdata, 'fixture.jsonl')]);
  const readings = new Map(load([path.join(testdata, 'readings.jsonl')]).map((r) => [r.text, r]));
  assert.strictEqual(readings.size, ex.length, 'readings.jsonl and fixture.jsonl differ in size');
  const results = ex.map((e) => {
    const r = readings.get(e.text);
    return { gold: e.intent, pred: r.intent, lang: e.lang, langOK: r.lang === e.lang };
  });
  const latencies = ex.map((e) => BigInt(Buffer.byteLength(e.text)) * 1500n);
  const got = `${JSON.stringify(report(results, latencies), null, 2)}\n`;
  const want = fs.readFileSync(path.join(testdata, 'report.json'), 'utf8');
  assert.strictEqual(got, want);
});

test('mapIntent', () => {
  for (const [in_, want] of [['None', 'other'], ['cancel', 'cancel'], ['', '(none)'], [undefined, '(none)']]) {
    assert.strictEqual(mapIntent(in_), want, `mapIntent(${JSON.stringify(in_)})`);
  }
});
