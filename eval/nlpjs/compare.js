#!/usr/bin/env node
// compare.js prints a Markdown table of two intent-eval JSON reports side
// by side (ours first, nlp.js second): macro-F1 per language, overall
// scores and latency, and the macro-F1 margin the bar asks for (>= 0.05).
//
//   node eval/nlpjs/compare.js ours.json nlpjs.json
'use strict';

const fs = require('fs');

function main(argv) {
  if (argv.length !== 2) {
    process.stderr.write('usage: node eval/nlpjs/compare.js ours.json nlpjs.json\n');
    process.exit(2);
  }
  const [ours, them] = argv.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')));
  const f4 = (x) => (x === undefined ? '—' : x.toFixed(4));
  const signed = (x) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`;
  const rows = [];
  rows.push('| lang | n | ours macro-F1 | nlp.js macro-F1 | ours − nlp.js |');
  rows.push('| --- | ---: | ---: | ---: | ---: |');
  const langs = [...new Set([...Object.keys(ours.per_language), ...Object.keys(them.per_language)])].sort();
  for (const l of langs) {
    const a = ours.per_language[l]; const b = them.per_language[l];
    const d = a && b ? signed(a.macro_f1 - b.macro_f1) : '—';
    const mark = a && b && a.macro_f1 < b.macro_f1 ? ' (nlp.js ahead)' : '';
    rows.push(`| ${l} | ${(a || b).n} | ${f4(a && a.macro_f1)} | ${f4(b && b.macro_f1)} | ${d}${mark} |`);
  }
  rows.push(`| **all** | ${ours.n} | **${f4(ours.macro_f1)}** | **${f4(them.macro_f1)}** | **${signed(ours.macro_f1 - them.macro_f1)}** |`);
  rows.push('');
  rows.push('| | ours | nlp.js |');
  rows.push('| --- | ---: | ---: |');
  rows.push(`| examples | ${ours.n} | ${them.n} |`);
  rows.push(`| accuracy | ${f4(ours.accuracy)} | ${f4(them.accuracy)} |`);
  rows.push(`| macro-F1 | ${f4(ours.macro_f1)} | ${f4(them.macro_f1)} |`);
  rows.push(`| latency p50 (µs) | ${ours.latency_us.p50} | ${them.latency_us.p50} |`);
  rows.push(`| latency p99 (µs) | ${ours.latency_us.p99} | ${them.latency_us.p99} |`);
  rows.push('');
  rows.push('| intent | ours F1 | nlp.js F1 |');
  rows.push('| --- | ---: | ---: |');
  for (const name of Object.keys({ ...ours.per_intent, ...them.per_intent })) {
    const a = ours.per_intent[name]; const b = them.per_intent[name];
    rows.push(`| ${name} | ${f4(a && a.f1)} | ${f4(b && b.f1)} |`);
  }
  const margin = ours.macro_f1 - them.macro_f1;
  const fast = ours.latency_us.p99 < them.latency_us.p99;
  rows.push('');
  rows.push(`Bar: macro-F1 margin ${signed(margin)} (needs ≥ +0.05: ${margin >= 0.05 ? 'met' : 'NOT met'}); ` +
    `p99 ${ours.latency_us.p99} vs ${them.latency_us.p99} µs (needs lower: ${fast ? 'met' : 'NOT met'}).`);
  if (ours.n !== them.n) rows.push(`WARNING: the reports cover different example counts (${ours.n} vs ${them.n}).`);
  process.stdout.write(`${rows.join('\n')}\n`);
}

main(process.argv.slice(2));
