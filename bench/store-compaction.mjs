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
// Later variants keep the keys that only grow in a database of their own, or ask a key filter
// (packages/node/src/key-filter.ts; build first) before reading. Prints per variant: CPU of the
// whole process (LevelDB's compaction thread included), bytes flushed from memtables and bytes
// written by compactions, and their ratio; writes bench/results/store-compaction.json.
//
//   node bench/store-compaction.mjs [--blocks 300] [--pace-ms 200] [--only 5,6]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Level } from 'level';
import { KeyFilter } from '../packages/node/dist/key-filter.js';
import { machine } from './lib/measure.mjs';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(argv[i + 1]);
};
const BLOCKS = option('blocks', 300);
const PACE_MS = option('pace-ms', 200);
const onlyAt = argv.indexOf('--only');
/** `--only 5,6`: the variants to run, numbered from 1 in the order below. */
const ONLY = onlyAt < 0 ? undefined : (argv[onlyAt + 1] ?? '').split(',').map(Number);
if (ONLY !== undefined && !ONLY.every((n) => Number.isInteger(n) && n >= 1)) {
  console.error('--only takes variant numbers from 1, comma-separated (for example --only 5,6)');
  process.exit(2);
}
const TXS_PER_BLOCK = 100;
const ABSENT_READS_PER_TX = 2;
const MIB = 1024 * 1024;

const VARIANTS = [
  { name: 'inline values, 4 MiB memtable (LevelDB default), absent reads', layout: 'inline', writeBufferMiB: 4, reads: true },
  { name: 'v/ values, 4 MiB memtable, no reads', layout: 'v', writeBufferMiB: 4, reads: false },
  { name: 'v/ values, 4 MiB memtable, absent reads', layout: 'v', writeBufferMiB: 4, reads: true },
  { name: 'inline values, 32 MiB memtable, absent reads', layout: 'inline', writeBufferMiB: 32, reads: true },
  { name: 'v/ values, 32 MiB memtable, absent reads (LevelStore to 2026-12-07)', layout: 'v', writeBufferMiB: 32, reads: true },
  { name: 'v/ values, 32 MiB memtable, no reads', layout: 'v', writeBufferMiB: 32, reads: false },
  { name: 'two databases (b/ r/ v/ m/ apart), 32 MiB, absent reads', layout: 'v', writeBufferMiB: 32, reads: true, split: true },
  { name: 'two databases (b/ r/ v/ m/ apart), 32 MiB, no reads', layout: 'v', writeBufferMiB: 32, reads: false, split: true },
  { name: 'v/ values, 32 MiB, absent reads asked of a key filter first (LevelStore)', layout: 'v', writeBufferMiB: 32, reads: true, filter: true },
];

const hex = (n, width) => n.toString(16).padStart(width, '0');
function record() {
  const bytes = randomBytes(1900);
  for (let i = 64; i < bytes.length; i++) bytes[i] = 97 + (bytes[i] % 26);
  return bytes;
}

async function run(variant, dir) {
  const path = join(dir, variant.name.replace(/[^a-z0-9]+/gi, '-'));
  const options = { keyEncoding: 'utf8', valueEncoding: 'view', writeBufferSize: variant.writeBufferMiB * MIB };
  const db = new Level(path, options);
  await db.open();
  // The split variant keeps the keys that only grow (blocks, the Raft log, v/ values, Merkle
  // nodes) in a second database, written before the first.
  const appendPath = `${path}-append`;
  const appendDb = variant.split ? new Level(appendPath, options) : undefined;
  await appendDb?.open();
  const cpu = process.cpuUsage();
  const started = performance.now();
  let leaf = 0;
  // The filter variant adds every t/ and s/ key it writes and reads LevelDB only for the keys
  // the filter may hold, as LevelStore does.
  const filter = variant.filter ? new KeyFilter() : undefined;
  let filtered = 0;
  for (let height = 0; height < BLOCKS; height++) {
    const main = db.batch();
    const append = appendDb?.batch();
    const batch = {
      put: (key, value) => {
        if (filter !== undefined && /^[st]\//.test(key)) filter.add(key);
        (append !== undefined && /^[brvm]\//.test(key) ? append : main).put(key, value);
      },
      del: (key) => (append !== undefined && /^[brvm]\//.test(key) ? append : main).del(key),
    };
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
    if (append !== undefined) await append.write({ sync: false });
    await main.write({ sync: false });
    if (variant.reads) {
      const absent = Array.from({ length: TXS_PER_BLOCK * ABSENT_READS_PER_TX }, () => `t/${randomBytes(32).toString('hex')}`);
      const asked = filter === undefined ? absent : absent.filter((key) => filter.mightContain(key));
      filtered += absent.length - asked.length;
      await Promise.all(asked.map((key) => db.get(key)));
    }
    await new Promise((resolve) => setTimeout(resolve, PACE_MS));
  }
  await db.close(); // waits for the compaction in progress
  await appendDb?.close();
  const used = process.cpuUsage(cpu);
  let compacted = 0;
  let flushed = 0;
  for (const folder of variant.split ? [path, appendPath] : [path]) {
    const log = readFileSync(join(folder, 'LOG'), 'utf8');
    for (const m of log.matchAll(/Compacted .* => (\d+) bytes/g)) compacted += Number(m[1]);
    for (const m of log.matchAll(/Level-0 table #\d+: (\d+) bytes OK/g)) flushed += Number(m[1]);
  }
  return { name: variant.name, ...variant, ...(filter === undefined ? {} : { readsAnsweredByFilter: filtered, filterKeys: filter.keys, filterBytes: filter.bytes }), wallSec: (performance.now() - started) / 1000, cpuSec: (used.user + used.system) / 1e6, flushedMB: flushed / 1e6, compactedMB: compacted / 1e6, amplification: compacted / flushed };
}

const dir = mkdtempSync(join(tmpdir(), 'tl-store-compaction-'));
try {
  console.log(`store-compaction: ${BLOCKS} blocks of ${TXS_PER_BLOCK} transactions, one block every ${PACE_MS} ms of pause\n`);
  console.log(`${'variant'.padEnd(62)} ${'CPU s'.padStart(6)} ${'flushed MB'.padStart(11)} ${'compacted MB'.padStart(13)} ${'ratio'.padStart(6)}`);
  const rows = [];
  for (const variant of ONLY === undefined ? VARIANTS : VARIANTS.filter((_, i) => ONLY.includes(i + 1))) {
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
