#!/usr/bin/env node
// `node bench/store-compaction.mjs`: what LevelDB's compactions cost for the keys a node writes,
// under the options LevelStore could use. Each variant writes the same synthetic chain into its
// own LevelDB, paced like a loaded node (blocks of 100 transactions at a steady rate, not as fast
// as possible: LevelDB compacts very differently when it keeps up), with or without the reads of
// absent keys a node makes for every new transaction (LevelDB charges those reads to the files
// they pass and compacts a file after about one read per 16 KiB of it).
//
// Per block: the block bytes (b/<height>), a Raft log entry of the same size (r/e/, deleted 96
// blocks later), per transaction a tx index entry (t/<random id>), two records of about 1.9 KB
// (a document and its history entry, compressible text after a random head) either inline under
// random state keys (s/doc/<id>, s/hist/<id>) or under v/<height>/<n> with 22-byte pointers at the
// random keys, four small index entries (s/idx/) and its Merkle nodes (m/<level>/<index>).
//
// Prints per variant: CPU of the whole process (LevelDB's compaction thread included), bytes
// flushed from memtables and bytes written by compactions, and their ratio; writes
// bench/results/store-compaction.json.
//
//   node bench/store-compaction.mjs [--blocks 300] [--pace-ms 200]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Level } from 'level';
import { machine } from './lib/measure.mjs';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(argv[i + 1]);
};
const BLOCKS = option('blocks', 300);
const PACE_MS = option('pace-ms', 200);
const TXS_PER_BLOCK = 100;
const ABSENT_READS_PER_TX = 2;
const MIB = 1024 * 1024;

const VARIANTS = [
  { name: 'inline values, 4 MiB memtable (LevelDB default), absent reads', layout: 'inline', writeBufferMiB: 4, reads: true },
  { name: 'v/ values, 4 MiB memtable, no reads', layout: 'v', writeBufferMiB: 4, reads: false },
  { name: 'v/ values, 4 MiB memtable, absent reads', layout: 'v', writeBufferMiB: 4, reads: true },
  { name: 'inline values, 32 MiB memtable, absent reads', layout: 'inline', writeBufferMiB: 32, reads: true },
  { name: 'v/ values, 32 MiB memtable, absent reads (LevelStore)', layout: 'v', writeBufferMiB: 32, reads: true },
];

const hex = (n, width) => n.toString(16).padStart(width, '0');
function record() {
  const bytes = randomBytes(1900);
  for (let i = 64; i < bytes.length; i++) bytes[i] = 97 + (bytes[i] % 26);
  return bytes;
}

async function run(variant, dir) {
  const path = join(dir, variant.name.replace(/[^a-z0-9]+/gi, '-'));
  const db = new Level(path, { keyEncoding: 'utf8', valueEncoding: 'view', writeBufferSize: variant.writeBufferMiB * MIB });
  await db.open();
  const cpu = process.cpuUsage();
  const started = performance.now();
  let leaf = 0;
  for (let height = 0; height < BLOCKS; height++) {
    const batch = db.batch();
    batch.put(`b/${hex(height, 12)}`, randomBytes(190_000));
    batch.put(`r/e/${hex(height, 16)}`, randomBytes(190_000));
    if (height >= 96) batch.del(`r/e/${hex(height - 96, 16)}`);
    let n = 0;
    for (let i = 0; i < TXS_PER_BLOCK; i++) {
      const id = randomBytes(32).toString('hex');
      batch.put(`t/${id}`, randomBytes(8));
      for (const key of [`s/doc/${id}`, `s/hist/${id}/0001`]) {
        if (variant.layout === 'inline') batch.put(key, record());
        else {
          batch.put(`v/${hex(height, 12)}/${hex(n++, 6)}`, record());
          batch.put(key, randomBytes(22));
        }
      }
      for (let j = 0; j < 4; j++) batch.put(`s/idx/${randomBytes(20).toString('hex')}/${id}`, randomBytes(24));
      batch.put(`m/00/${hex(leaf, 12)}`, randomBytes(32));
      for (let level = 1, x = leaf; (x & 1) === 1; level++, x >>= 1) batch.put(`m/${hex(level, 2)}/${hex(x >> 1, 12)}`, randomBytes(32));
      leaf++;
    }
    batch.put('h', randomBytes(200));
    await batch.write({ sync: false });
    if (variant.reads) await Promise.all(Array.from({ length: TXS_PER_BLOCK * ABSENT_READS_PER_TX }, () => db.get(`t/${randomBytes(32).toString('hex')}`)));
    await new Promise((resolve) => setTimeout(resolve, PACE_MS));
  }
  await db.close(); // waits for the compaction in progress
  const used = process.cpuUsage(cpu);
  const log = readFileSync(join(path, 'LOG'), 'utf8');
  let compacted = 0;
  for (const m of log.matchAll(/Compacted .* => (\d+) bytes/g)) compacted += Number(m[1]);
  let flushed = 0;
  for (const m of log.matchAll(/Level-0 table #\d+: (\d+) bytes OK/g)) flushed += Number(m[1]);
  return { name: variant.name, ...variant, wallSec: (performance.now() - started) / 1000, cpuSec: (used.user + used.system) / 1e6, flushedMB: flushed / 1e6, compactedMB: compacted / 1e6, amplification: compacted / flushed };
}

const dir = mkdtempSync(join(tmpdir(), 'tl-store-compaction-'));
try {
  console.log(`store-compaction: ${BLOCKS} blocks of ${TXS_PER_BLOCK} transactions, one block every ${PACE_MS} ms of pause\n`);
  console.log(`${'variant'.padEnd(62)} ${'CPU s'.padStart(6)} ${'flushed MB'.padStart(11)} ${'compacted MB'.padStart(13)} ${'ratio'.padStart(6)}`);
  const rows = [];
  for (const variant of VARIANTS) {
    const row = await run(variant, dir);
    rows.push(row);
    console.log(`${row.name.padEnd(62)} ${row.cpuSec.toFixed(1).padStart(6)} ${row.flushedMB.toFixed(0).padStart(11)} ${row.compactedMB.toFixed(0).padStart(13)} ${row.amplification.toFixed(1).padStart(6)}`);
  }
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'store-compaction.json');
  writeFileSync(out, `${JSON.stringify({ ...machine(), date: new Date().toISOString(), blocks: BLOCKS, txsPerBlock: TXS_PER_BLOCK, paceMs: PACE_MS, absentReadsPerTx: ABSENT_READS_PER_TX, rows }, null, 2)}\n`);
  console.log(`\nwrote ${out}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
