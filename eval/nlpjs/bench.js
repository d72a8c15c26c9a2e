#!/usr/bin/env node
// bench.js scores nlp.js (npm node-nlp, v4) on labelled JSON Lines the way
// cmd/intent-eval scores our reader with -hint (SPEC §8), so the two can be
// compared on the same hold-out:
//
//   node eval/nlpjs/bench.js [--json] [--guess] [--generic LANGS] [--train DIR] [--warmup N] [PATH...]
//   node eval/nlpjs/bench.js --languages
//
// It trains ONE NlpManager on every example of DIR (default corpus/train:
// all 30 languages; each example goes to its own language's model), then
// reads every example of PATH (.jsonl files or folders of them; default
// corpus/dev) with process(lang, text), the gold language given, and times
// each call. nlp.js's intent "None" (score under its 0.5 threshold) is our
// "other". --guess leaves the language out and lets nlp.js guess it among
// the trained languages, like intent-eval without -hint.
//
// Output (--json): the object cmd/intent-eval -json prints, same keys and
// the same definitions as package eval (eval/eval.go): accuracy, macro-F1
// as the mean F1 over the labels of intents.Labels present in gold or
// predictions, lang_accuracy, per_language, per_intent, confusion (gold ->
// predicted, "(none)" for an empty intent), latency_us p50/p99 by nearest
// rank. Without --json: a short table, and notes on stderr.
//
// Languages nlp.js has no tokenizer/stemmer for are not mapped to another
// language: nlp.js itself falls back to its generic pipeline (split on
// spaces and punctuation, NFD with Latin accents stripped and lower case,
// no stemming, no stopwords) for any locale it has no plugin for. Which
// ones those are is printed by --languages and written in README.md.
// --generic bn,hi (or "all") puts those languages on that generic pipeline
// too, under private locale codes qa, qb, ... that nlp.js has no plugin
// for: its Bengali normalizer, for one, deletes every Latin letter, so
// romanised Bengali reaches the model as an empty string.
'use strict';

const fs = require('fs');
const path = require('path');

// nlp.js talks through console (training warnings, "Compiling dictionary"
// on stdout): keep stdout for the report, count the chatter, and show it
// on stderr only without --json.
const chatter = { lines: 0, stopWordsOnly: 0, quiet: process.argv.includes('--json') || process.argv.includes('-json') };
for (const level of require.main === module ? ['log', 'info', 'warn', 'debug'] : []) {
  console[level] = (...args) => {
    const msg = args.map(String).join(' ');
    chatter.lines += 1;
    if (msg.includes('contains only stop words')) {
      chatter.stopWordsOnly += 1;
      return;
    }
    if (!chatter.quiet) process.stderr.write(`nlp.js: ${msg}\n`);
  };
}


// labels mirrors intents.Labels (intents/labels.go), in its order.
const labels = ['confirm', 'cancel', 'reschedule', 'waitlist', 'question', 'opt_out', 'help', 'other'];
// noIntent stands for an empty prediction in the confusion matrix.
const noIntent = '(none)';
const repoRoot = path.resolve(__dirname, '..', '..');

function usage(msg) {
  const text = [
    'usage: node eval/nlpjs/bench.js [--json] [--guess] [--generic LANGS] [--train DIR] [--warmup N] [PATH...]',
    '       node eval/nlpjs/bench.js --languages',
    'PATH: .jsonl files or folders of them, one {"text","lang","intent"} a line (default corpus/dev)',
    '  --json        print one JSON object (the shape of cmd/intent-eval -json)',
    '  --guess       do not give the language: nlp.js guesses it (default: given, like -hint)',
    '  --generic L   comma-separated languages (or "all") to put on nlp.js\'s generic pipeline',
    '  --train DIR   training examples (default corpus/train)',
    '  --warmup N    untimed process() calls on training texts before timing (default 300)',
    '  --languages   print which corpus languages nlp.js has a tokenizer/stemmer for, and exit',
  ].join('\n');
  if (msg) {
    process.stderr.write(`bench: ${msg}\n${text}\n`);
    process.exit(2);
  }
  process.stdout.write(`${text}\n`);
  process.exit(0);
}

function parseArgs(argv) {
  const o = { json: false, guess: false, languages: false, generic: [], train: path.join(repoRoot, 'corpus', 'train'), warmup: 300, paths: [] };
  for (let i = 0; i < argv.length; i += 1) {
    // Go-style single-dash flags (-json, -hint) work too.
    const a = /^-[^-]/.test(argv[i]) ? `-${argv[i]}` : argv[i];
    switch (a) {
      case '--json': o.json = true; break;
      case '--hint': o.guess = false; break; // the default; accepted for symmetry with intent-eval
      case '--guess': o.guess = true; break;
      case '--languages': o.languages = true; break;
      case '--train':
        if (i + 1 >= argv.length) usage('--train needs a DIR');
        o.train = argv[++i];
        break;
      case '--generic':
        if (i + 1 >= argv.length) usage('--generic needs languages, e.g. bn,hi or all');
        o.generic = argv[++i].split(',').map((x) => x.trim()).filter((x) => x);
        break;
      case '--warmup':
        if (i + 1 >= argv.length || !/^\d+$/.test(argv[i + 1])) usage('--warmup needs a count');
        o.warmup = Number(argv[++i]);
        break;
      case '--help': case '--h': usage(); break;
      default:
        if (argv[i].startsWith('-')) usage(`unknown flag ${argv[i]}`);
        o.paths.push(argv[i]);
    }
  }
  if (o.paths.length === 0) o.paths.push(path.join(repoRoot, 'corpus', 'dev'));
  return o;
}

// jsonlFiles lists the .jsonl files of paths like corpus.Load: a file as
// given, a folder walked; all sorted by path.
function jsonlFiles(paths) {
  const files = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.jsonl')) files.push(p);
    }
  };
  for (const p of paths) {
    if (fs.statSync(p).isDirectory()) walk(p);
    else files.push(p);
  }
  return files.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

// load reads examples and checks each, like cmd/intent-eval's load.
function load(paths) {
  const out = [];
  for (const f of jsonlFiles(paths)) {
    const lines = fs.readFileSync(f, 'utf8').split('\n');
    lines.forEach((raw, i) => {
      const line = raw.trim();
      if (!line) return;
      let e;
      try {
        e = JSON.parse(line);
      } catch (err) {
        throw new Error(`${f}:${i + 1}: ${err.message}`);
      }
      if (!e.text || !e.lang || !e.intent) throw new Error(`${f}:${i + 1}: text, lang and intent are required`);
      if (!labels.includes(e.intent)) throw new Error(`${f}:${i + 1}: unknown intent ${JSON.stringify(e.intent)}; want one of ${labels.join(' ')}`);
      out.push({ text: e.text, lang: e.lang, intent: e.intent });
    });
  }
  if (out.length === 0) throw new Error(`no examples in ${paths.join(' ')} (want .jsonl files)`);
  return out;
}

function newManager(langs) {
  // Required here, not at the top, so the scoring functions load (and
  // bench.test.js runs) without node_modules.
  const { NlpManager } = require('node-nlp');
  return new NlpManager({
    languages: langs,
    forceNER: false,
    autoSave: false,
    autoLoad: false,
    nlu: { log: false },
  });
}

// support tells, for each language, what nlp.js has for it.
function support(manager, langs) {
  const c = manager.container;
  const out = {};
  for (const l of langs) {
    out[l] = {
      tokenizer: Boolean(c.get(`tokenizer-${l}`)),
      stemmer: Boolean(c.get(`stemmer-${l}`)),
      stopwords: Boolean(c.get(`stopwords-${l}`)),
      normalizer: Boolean(c.get(`normalizer-${l}`)),
    };
  }
  return out;
}

// mapIntent turns an nlp.js intent into our label space.
function mapIntent(intent) {
  if (intent === 'None') return 'other';
  if (!intent) return noIntent;
  return intent;
}

const round4 = (x) => Math.round(x * 1e4) / 1e4;
const ratio = (a, b) => (b === 0 ? 0 : a / b);

// perIntent mirrors eval.perIntent.
function perIntent(results) {
  const gold = {}; const pred = {}; const hit = {};
  const inc = (m, k) => { m[k] = (m[k] || 0) + 1; };
  for (const r of results) {
    inc(gold, r.gold);
    inc(pred, r.pred);
    if (r.gold === r.pred) inc(hit, r.gold);
  }
  const scores = {};
  let sum = 0; let n = 0;
  for (const name of labels) {
    const g = gold[name] || 0; const p = pred[name] || 0; const h = hit[name] || 0;
    if (g === 0 && p === 0) continue;
    const prec = ratio(h, p); const rec = ratio(h, g);
    const f1 = prec + rec > 0 ? (2 * prec * rec) / (prec + rec) : 0;
    scores[name] = { precision: round4(prec), recall: round4(rec), f1: round4(f1), n: g };
    sum += f1; n += 1;
  }
  return [scores, n === 0 ? 0 : sum / n];
}

// percentile mirrors eval.percentile: nearest rank, µs rounded to 0.1.
function percentile(ns, p) {
  if (ns.length === 0) return 0;
  const s = [...ns].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let rank = Math.ceil((p / 100) * s.length);
  rank = Math.max(1, Math.min(rank, s.length));
  return Math.round(Number(s[rank - 1]) / 100) / 10;
}

function sortedObject(m, f = (v) => v) {
  const out = {};
  for (const k of Object.keys(m).sort()) out[k] = f(m[k]);
  return out;
}

// report mirrors eval.report; keys come out in the order Go writes them.
function report(results, latencies) {
  let right = 0; let langRight = 0;
  const byLang = {}; const confusion = {};
  for (const r of results) {
    if (r.gold === r.pred) right += 1;
    if (r.langOK) langRight += 1;
    (byLang[r.lang] = byLang[r.lang] || []).push(r);
    confusion[r.gold] = confusion[r.gold] || {};
    confusion[r.gold][r.pred] = (confusion[r.gold][r.pred] || 0) + 1;
  }
  const [intentScores, macro] = perIntent(results);
  const perLanguage = {};
  for (const lang of Object.keys(byLang).sort()) {
    const rs = byLang[lang];
    const ok = rs.filter((r) => r.gold === r.pred).length;
    const [, m] = perIntent(rs);
    perLanguage[lang] = { n: rs.length, accuracy: round4(ratio(ok, rs.length)), macro_f1: round4(m) };
  }
  return {
    n: results.length,
    accuracy: round4(ratio(right, results.length)),
    macro_f1: round4(macro),
    lang_accuracy: round4(ratio(langRight, results.length)),
    per_language: perLanguage,
    per_intent: sortedObject(intentScores),
    confusion: sortedObject(confusion, (row) => sortedObject(row)),
    latency_us: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
  };
}

function table(rep) {
  const pct = (x) => (100 * x).toFixed(1).padStart(6);
  const lines = [];
  lines.push(`n ${rep.n}  accuracy ${rep.accuracy.toFixed(4)}  macro-F1 ${rep.macro_f1.toFixed(4)}  lang accuracy ${rep.lang_accuracy.toFixed(4)}`);
  lines.push(`latency p50 ${rep.latency_us.p50} µs  p99 ${rep.latency_us.p99} µs`);
  lines.push('');
  lines.push('lang      n  accuracy  macro-F1');
  for (const [l, s] of Object.entries(rep.per_language)) {
    lines.push(`${l.padEnd(4)} ${String(s.n).padStart(5)}    ${pct(s.accuracy)}    ${pct(s.macro_f1)}`);
  }
  lines.push('');
  lines.push('intent         n  precision  recall      F1');
  for (const name of labels) {
    const s = rep.per_intent[name];
    if (!s) continue;
    lines.push(`${name.padEnd(11)} ${String(s.n).padStart(4)}     ${pct(s.precision)}  ${pct(s.recall)}  ${pct(s.f1)}`);
  }
  return `${lines.join('\n')}\n`;
}

// warmupTexts picks n training examples spread over the languages, so
// V8's JIT is warm before timing (intent-eval's reader is compiled Go).
function warmupTexts(train, n) {
  if (n <= 0) return [];
  const step = Math.max(1, Math.floor(train.length / n));
  const out = [];
  for (let i = 0; i < train.length && out.length < n; i += step) out.push(train[i]);
  return out;
}

// privateCodes are two-letter locales nlp.js has no plugin for: ISO 639
// keeps qa-qt for local use, and no x? code but xh (Xhosa) is assigned.
const privateCodes = [];
for (const first of ['q', 'x']) {
  for (let c = 0; c < 26; c += 1) {
    const code = first + String.fromCharCode(97 + c);
    if (code !== 'xh') privateCodes.push(code);
  }
}

// locales gives each corpus language the locale nlp.js sees: its own code,
// or for a language in generic a private code (qa, qb, ...) with no plugin.
function locales(langs, generic) {
  const all = generic.includes('all');
  const toLocale = {};
  const fromLocale = {};
  const free = privateCodes.filter((c) => !langs.includes(c));
  for (const l of langs) {
    let loc = l;
    if (all || generic.includes(l)) {
      if (free.length === 0) usage('--generic: too many languages for the private locale codes');
      loc = free.shift();
    }
    toLocale[l] = loc;
    fromLocale[loc] = l;
  }
  return { toLocale, fromLocale };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const say = (msg) => { if (!o.json) process.stderr.write(`${msg}\n`); };

  const train = load([o.train]);
  const trainLangs = [...new Set(train.map((e) => e.lang))].sort();
  const unknown = o.generic.filter((l) => l !== 'all' && !trainLangs.includes(l));
  if (unknown.length > 0) usage(`--generic: no training data for ${unknown.join(' ')}`);
  const { toLocale, fromLocale } = locales(trainLangs, o.generic);
  const manager = newManager(trainLangs.map((l) => toLocale[l]));
  const sup = support(manager, trainLangs);
  for (const loc of Object.keys(fromLocale)) {
    if (loc !== fromLocale[loc] && (manager.container.get(`tokenizer-${loc}`) || manager.container.get(`stemmer-${loc}`))) {
      throw new Error(`private locale ${loc} has an nlp.js plugin`);
    }
  }
  if (o.languages) {
    process.stdout.write(`${JSON.stringify(sup, null, 2)}\n`);
    return;
  }
  const generic = trainLangs.filter((l) => toLocale[l] !== l || (!sup[l].tokenizer && !sup[l].stemmer));
  say(`nlp.js (node-nlp ${require('node-nlp/package.json').version}); ${train.length} training examples in ${trainLangs.length} languages`);
  say(`generic pipeline (no tokenizer/stemmer${o.generic.length ? ' or --generic' : ''}): ${generic.join(' ') || '(none)'}`);

  const ex = load(o.paths);
  for (const e of train) manager.addDocument(toLocale[e.lang], e.text, e.intent);
  const t0 = process.hrtime.bigint();
  await manager.train();
  say(`trained in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s (${chatter.stopWordsOnly} training texts reduced to nothing by nlp.js's pipeline); reading ${ex.length} examples from ${o.paths.join(' ')}`);

  // read is one timed call: the language given (its locale), or guessed.
  const read = (e) => (o.guess || !toLocale[e.lang]
    ? manager.process(e.text)
    : manager.process(toLocale[e.lang], e.text));

  for (const e of warmupTexts(train, o.warmup)) await read(e);

  const results = [];
  const latencies = [];
  let failures = 0;
  for (const e of ex) {
    let out;
    const start = process.hrtime.bigint();
    try {
      out = await read(e);
    } catch (err) {
      out = undefined;
      failures += 1;
      if (failures <= 3) process.stderr.write(`bench: process failed (lang ${e.lang}): ${err.message}\n`);
    }
    const end = process.hrtime.bigint();
    latencies.push(end - start);
    results.push({
      gold: e.intent,
      pred: out ? mapIntent(out.intent) : noIntent,
      lang: e.lang,
      langOK: Boolean(out && fromLocale[out.locale] === e.lang),
    });
  }
  if (failures > 0) process.stderr.write(`bench: ${failures} process() calls threw; counted as "${noIntent}"\n`);

  const rep = report(results, latencies);
  process.stdout.write(o.json ? `${JSON.stringify(rep, null, 2)}\n` : table(rep));
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`bench: ${err.stack || err}\n`);
    process.exit(1);
  });
}

module.exports = { load, report, mapIntent, labels };
