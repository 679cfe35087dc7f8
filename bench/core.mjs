#!/usr/bin/env node
// `pnpm bench:core`: the hashing and verification core. Runs every section in bench/core/, prints
// one table and writes bench/results/core.json:
//   { "date", "machine": { cpu, cores, node, platform }, "results": [ { name, opsPerSec,
//     baselineOpsPerSec, ratio, unit } ] }
// Baselines are raw node:crypto / msgpackr / LevelDB figures measured in the same run, so ratios
// compare like with like on whatever machine runs this. `--quick` shrinks sizes for a smoke run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine } from './lib/measure.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
const sections = ['signatures', 'tx-codec', 'hash-threads', 'merkle', 'blocks'].filter((name) => only === undefined || only.split(',').includes(name));

const info = machine();
const date = new Date().toISOString();
console.log(`tradeledger bench:core — ${date}`);
console.log(`${info.cpu} × ${info.cores}, Node ${info.node}, ${info.platform}${quick ? ' (quick)' : ''}\n`);

const results = [];
for (const section of sections) {
  const module = await import(join(here, 'core', `${section}.mjs`));
  const rows = await module.run({ quick });
  for (const row of rows) {
    results.push(row);
    const ratio = row.ratio === null ? '' : `${row.ratio.toFixed(2)}×`;
    const baseline = row.baselineOpsPerSec === null ? '' : Math.round(row.baselineOpsPerSec).toLocaleString('en-US');
    console.log(`${row.name.padEnd(34)} ${Math.round(row.opsPerSec).toLocaleString('en-US').padStart(14)} ${row.unit.padEnd(22)} baseline ${baseline.padStart(12)}  ${ratio}`);
  }
}

const out = join(here, 'results', quick ? 'core-quick.json' : 'core.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ date, machine: info, results }, null, 2)}\n`);
console.log(`\nwrote ${out}`);
