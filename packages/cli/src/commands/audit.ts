// `tradeledger audit <data-dir>`: offline re-verification of a node's whole store (the ledger's
// auditStore: every block's signatures, links and roots replayed from genesis, every index entry,
// Merkle node and state value compared). Reads the store only; the node must be stopped (LevelDB
// allows one process at a time), or audit a copy of its data directory.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { auditStore, fromHex, tradeStateMachine, WorkerVerifyPool, type AuditReport, type BatchVerifier } from '@tradeledger/ledger';
import { EXIT, usageError } from '../errors.js';
import { printJson, printSummary } from '../output.js';
import { withExample, type CliContext } from '../program.js';

export interface AuditOutcome {
  readonly dataDir: string;
  readonly report: AuditReport;
}

/** A node folder (holding node-config.json) stands for its data directory. */
async function resolveDataDir(dir: string): Promise<string> {
  if (existsSync(join(dir, 'ledger')) || !existsSync(join(dir, 'node-config.json'))) return dir;
  const { loadConfig } = await import('@tradeledger/node');
  return (await loadConfig(join(dir, 'node-config.json'))).dataDir;
}

export async function auditDataDir(givenDir: string, options: { expectedGenesisHash?: Uint8Array; workers: number; onProgress?: (height: number, headHeight: number) => void }): Promise<AuditReport> {
  if (!existsSync(givenDir) || !statSync(givenDir).isDirectory()) throw usageError('DATA_DIR_NOT_FOUND', `data-dir: ${givenDir} is not a directory`, 'data-dir');
  const dataDir = await resolveDataDir(givenDir);
  const ledgerDir = join(dataDir, 'ledger');
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) throw usageError('DATA_DIR_NOT_FOUND', `data-dir: ${dataDir} is not a directory`, 'data-dir');
  if (!existsSync(join(ledgerDir, 'CURRENT'))) throw usageError('STORE_NOT_FOUND', `data-dir: ${ledgerDir} holds no LevelDB store (is this a node's data directory?)`, 'data-dir');
  const { LevelStore } = await import('@tradeledger/node');
  let store: Awaited<ReturnType<typeof LevelStore.open>>;
  try {
    store = await LevelStore.open(ledgerDir);
  } catch (error) {
    const locked = /lock/i.test(String((error as Error).message)) || /lock/i.test(String(((error as Error).cause as Error | undefined)?.message ?? ''));
    if (locked) throw usageError('STORE_LOCKED', `data-dir: ${ledgerDir} is in use by a running node: stop it first, or audit a copy of the directory`, 'data-dir', error);
    throw error;
  }
  const verifier: BatchVerifier | undefined = options.workers > 0 ? new WorkerVerifyPool(options.workers) : undefined;
  try {
    return await auditStore(store, {
      // Block verification checks every transaction signature (on worker threads when asked).
      stateMachine: tradeStateMachine({ verifySignatures: false }),
      ...(options.expectedGenesisHash === undefined ? {} : { expectedGenesisHash: options.expectedGenesisHash }),
      ...(verifier === undefined ? {} : { verifier }),
      ...(options.onProgress === undefined ? {} : { onProgress: (p: { height: number; headHeight: number }) => options.onProgress?.(p.height, p.headHeight) }),
    });
  } finally {
    await verifier?.close();
    await store.close();
  }
}

export function registerAudit(program: Command, ctx: CliContext): void {
  const command = program
    .command('audit')
    .description("re-verify a node's whole store offline from genesis; exits 1 with the first bad height when anything is wrong")
    .argument('<data-dir>', "the node's data directory (holding ledger/), or its folder (holding node-config.json); stop the node first")
    .option('--genesis-hash <hex>', 'require this genesis block hash (64 hex characters)')
    .option('--workers <n>', 'worker threads for signature checks (0: main thread)', '0')
    .option('--json', 'print the audit report as JSON', false)
    .action(async (dataDir: string, options: { genesisHash?: string; workers: string; json: boolean }) => {
      const workers = Number(options.workers);
      if (!Number.isInteger(workers) || workers < 0 || workers > 64) throw usageError('WORKERS_RANGE', `--workers: expected 0 to 64, got ${JSON.stringify(options.workers)}`, 'workers');
      let expectedGenesisHash: Uint8Array | undefined;
      if (options.genesisHash !== undefined) {
        try {
          expectedGenesisHash = fromHex(options.genesisHash, 'genesis-hash', 32);
        } catch (error) {
          throw usageError('GENESIS_HASH_FORMAT', `--genesis-hash: expected 64 lower-case hex characters, got ${JSON.stringify(options.genesisHash.slice(0, 80))}`, 'genesis-hash', error);
        }
      }
      const bar = ctx.io.stderrIsTTY ? new cliProgress.SingleBar({ format: 'audit [{bar}] {value}/{total} blocks', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic) : undefined;
      let started = false;
      let report: AuditReport;
      try {
        report = await auditDataDir(dataDir, {
          workers,
          ...(expectedGenesisHash === undefined ? {} : { expectedGenesisHash }),
          onProgress: (height, headHeight) => {
            if (bar === undefined) return;
            if (!started) {
              bar.start(headHeight + 1, 0);
              started = true;
            }
            bar.update(height + 1);
          },
        });
      } finally {
        if (started) bar?.stop();
      }
      if (options.json) printJson(ctx.io, { dataDir, ...report });
      else if (report.ok) printSummary(ctx.io, [['audit', 'ok'], ['blocks', report.blocks], ['head height', report.headHeight], ['head hash', report.headHash], ['transactions', report.txCount]]);
      else printSummary(ctx.io, [['audit', 'FAILED'], ['bad height', report.badHeight], ['code', report.code], ['reason', report.reason], ['blocks verified', report.blocksVerified]]);
      if (!report.ok) {
        ctx.io.stderr(`error ${report.code} (height ${report.badHeight}): ${report.reason}\n`);
        ctx.exitCode = EXIT.rejected;
      }
    });
  withExample(command, 'tradeledger audit ./data/customs   # after stopping the node', 'tradeledger audit ./copy-of-data --json');
}
