#!/usr/bin/env node
// `npm run bench`: runs every benchmark in bench/ (each prints its own table and, last, one JSON line
// with its figures and the baseline it measured in the same run), saves each result to
// bench/results/<name>.json (git-ignored) and prints a summary of ratios and targets.
//   node bench/run.js [--quick|--full] [--only name,name]
// --quick (default) finishes in a few minutes; --full runs the long measurements (60 s CPU windows,
// a simulated day, 30 days of connections).
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const BENCH = __dirname;
const RESULTS = path.join(BENCH, 'results');
const full = process.argv.includes('--full');
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg === -1 ? null : new Set(String(process.argv[onlyArg + 1] || '').split(','));

/** Arguments per benchmark and mode; a bench not listed gets --quick or --full. */
const ARGS = {
  'tick-cost': { quick: ['--quick'], full: [] },
  'precise-overhead': { quick: ['--seconds=15'], full: ['--seconds=64'] },
};
/** What each needs; a missing requirement is reported as skipped, with the reason. */
const NEEDS = {
  'precise-overhead': ['root', 'bpftrace'],
};

function benches() {
  return fs
    .readdirSync(BENCH)
    .filter((f) => f.endsWith('.js') && f !== 'run.js')
    .map((f) => f.slice(0, -3))
    .filter((n) => !only || only.has(n))
    .sort();
}

function missingFor(name) {
  const reasons = [];
  for (const need of NEEDS[name] || []) {
    if (need === 'root' && process.getuid?.() !== 0) reasons.push('needs root');
    if (need === 'bpftrace' && !['/usr/bin/bpftrace', '/usr/sbin/bpftrace', '/usr/local/bin/bpftrace'].some((p) => fs.existsSync(p))) reasons.push('needs bpftrace');
  }
  return reasons.length ? reasons.join(', ') : null;
}

function run(name) {
  const args = (ARGS[name] || { quick: ['--quick'], full: ['--full'] })[full ? 'full' : 'quick'];
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [path.join(BENCH, `${name}.js`), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      // The human table goes through; the JSON line is kept for the summary.
      for (const line of String(d).split('\n')) if (line && !line.startsWith('{')) process.stdout.write(`  ${line}\n`);
    });
    child.on('exit', (code, signal) => {
      resolve({ name, ok: code === 0 && lastJson(out) !== null, code: signal ?? code, seconds: (Date.now() - t0) / 1000, result: lastJson(out) });
    });
  });
}

/** The last JSON document a bench printed: one line, or pretty-printed from a line starting with `{`. */
function lastJson(out) {
  const lines = out.trimEnd().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i].startsWith('{')) continue;
    // It may be followed by a closing summary line: try each `}` line as its end.
    for (let j = lines.length - 1; j >= i; j--) {
      if (!lines[j].startsWith('}') && j !== i) continue;
      try {
        return JSON.parse(lines.slice(i, j + 1).join('\n'));
      } catch {
        /* not a whole document; keep looking */
      }
    }
  }
  return null;
}

/** One line per headline figure: value, ratio to the same run's baseline, target. */
function summary(r) {
  const x = r.result;
  const lines = [];
  const fmt = (n, d = 1) => (typeof n === 'number' ? n.toFixed(d) : String(n));
  switch (r.name) {
    case 'ingest':
      for (const l of x.results) lines.push(`${l.load}: ${Math.round(l.trackerSamplesPerSec)} samples/s through FlowTracker + SQLite = ${fmt(l.ratio, 2)}× raw inserts (${Math.round(l.rawInsertsPerSec)}/s)`);
      break;
    case 'db-size':
      lines.push(`${fmt(x.amortisedMBPerDay)} MB/day after roll-ups, amortised over ${x.amortisedDays} days (target ≤ ${x.targetMBPerDay})${x.amortisedMBPerDay > x.targetMBPerDay ? '  OVER' : ''}`);
      lines.push(`growth ${fmt(x.growthMBPerDay)} MB/day on the first day = ${fmt(x.ratio, 2)}× bare per-connection rows (${fmt(x.baselineMBPerDay)} MB/day)`);
      lines.push(`kept long-term ${fmt(x.longTermMBPerDay, 2)} MB/day; ${fmt(x.size365GB, 2)} GB after 365 days; steady state at default retention ${fmt(x.steadyStateGB, 2)} GB`);
      break;
    case 'history':
      for (const q of x.results) lines.push(`${q.name}: ${fmt(q.ms)} ms (target ≤ ${q.target}) = ${fmt(q.ratio, 2)}× a 1M-row scan${q.ms > q.target ? '  OVER' : ''}`);
      break;
    case 'start':
      for (const v of x.results) lines.push(`${v.name}: first live row ${fmt(v.rowMs, 0)} ms (target ≤ ${v.targetMs}) = ${fmt(v.ratio)}× node -e 0${v.rowMs > v.targetMs ? '  OVER' : ''}`);
      break;
    case 'tick-cost':
      for (const l of x.levels || []) {
        lines.push(`${l.sockets} sockets: tick ${fmt(l.snapshotMs)} ms = ${fmt(l.ratio, 2)}× raw \`ss -tinH\` (${fmt(l.rawSsMs)} ms); listing with ss ${fmt(l.ssTickMs)} ms = ${fmt(l.ssRatio, 2)}× (target ≤ 1.2)`);
      }
      for (const c of x.cpuVariants || []) lines.push(`collector CPU at 1 Hz, ${c.label}: ${fmt(c.percentOfCore, 3)} % of a core`);
      if (x.rss) lines.push(`RSS: ${fmt(x.rss.rssMB)} MB with ${x.rss.listed ?? x.rss.atConnections} sockets listed (target ≤ 80)`);
      break;
    case 'engine-cpu':
      for (const l of x.loads) {
        for (const phase of l.shipped.steady ? ['firstMinute', 'steady'] : ['firstMinute']) {
          const shipped = l.shipped[phase].percentOfCore;
          const ratio = phase === 'steady' ? l.steadyRatio : l.ratio;
          const ref = l.floor ? `; floor (bare Node waking at 1 Hz) ${fmt(l.floor[phase].percentOfCore, 3)} %` : '';
          lines.push(
            `${l.load}, ${phase === 'steady' ? 'steady' : 'first minute'}: engine at 1 Hz ${fmt(shipped, 3)} % of a core = ${fmt(ratio, 2)}× the ss-forking engine (${fmt(l.baseline[phase].percentOfCore, 3)} %)${ref}, target ≤ ${x.targetPercent}${shipped > x.targetPercent ? '  OVER' : ''}`,
          );
        }
      }
      break;
    case 'precise-overhead':
      lines.push(`collectors: precise ${x.precise?.cpuPercent}% CPU = ${x.ratio}× a bare ss poll (${x.polling?.cpuPercent}%); counted ${x.accuracy?.preciseCountedOut} of ${x.accuracy?.generatorSent} bytes sent`);
      if (x.engines) {
        const e = x.engines;
        lines.push(
          `engines: outflow serve precise ${fmt(e.precise.percentOfCore, 2)}% = ${fmt(e.ratio, 2)}× polling only (${fmt(e.polling.percentOfCore, 2)}%), target ≤ 2${e.ratio > 2 ? '  OVER' : ''}; dropped ${e.precise.droppedSamples}`,
        );
      }
      break;
    default:
      lines.push(JSON.stringify(x).slice(0, 400));
  }
  return lines;
}

async function main() {
  fs.mkdirSync(RESULTS, { recursive: true });
  const done = [];
  for (const name of benches()) {
    const why = missingFor(name);
    console.log(`\n== ${name}${why ? ` (skipped: ${why})` : ''}`);
    if (why) {
      done.push({ name, ok: false, skipped: why });
      continue;
    }
    const r = await run(name);
    done.push(r);
    fs.writeFileSync(path.join(RESULTS, `${name}.json`), JSON.stringify({ at: new Date().toISOString(), mode: full ? 'full' : 'quick', ...r }, null, 2) + '\n');
  }
  console.log(`\n== summary (${full ? 'full' : 'quick'}; results in bench/results/)`);
  for (const r of done) {
    if (r.skipped) console.log(`${r.name}: skipped (${r.skipped})`);
    else if (!r.ok) console.log(`${r.name}: FAILED (exit ${r.code})`);
    else for (const line of summary(r)) console.log(`${r.name}: ${line}`);
  }
  if (done.some((r) => !r.ok && !r.skipped)) process.exitCode = 1;
}

main();
