// A child process writes blocks in a loop and is killed with SIGKILL at random moments, twenty
// times. After every kill the store reopens, audits clean from genesis, and its height is never
// below the last height the child acknowledged nor below the height seen before.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { auditStore } from '@tradeledger/ledger';
import { recordingStateMachine } from '@tradeledger/ledger/testing';
import { LevelStore } from '../src/level-store.js';

const writer = fileURLToPath(new URL('./fixtures/block-writer.mjs', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'tl-crash-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs the writer, kills it with SIGKILL after `killAfterMs` of writing, returns the last acknowledged height. */
function runAndKill(dataDir: string, killAfterMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let acknowledged = -1;
    let stderr = '';
    let buffered = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^committed (\d+)$/.exec(line);
        if (match) acknowledged = Number(match[1]);
      }
      // Start the clock once the child is writing, so every kill lands mid-stream.
      timer ??= setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve(acknowledged);
      else reject(new Error(`writer exited with ${code ?? signal} before being killed: ${stderr}`));
    });
  });
}

describe('LevelStore under SIGKILL', () => {
  it('twenty kills at random moments: every reopen audits clean and the height never goes back', async () => {
    const seed = Number(process.env['TL_SEED'] ?? Date.now() % 1_000_000);
    const delays = fc.sample(fc.integer({ min: 5, max: 250 }), { seed, numRuns: 20 });
    const dataDir = join(root, 'store');
    let previousHeight = -1;
    for (const [round, delay] of delays.entries()) {
      const acknowledged = await runAndKill(dataDir, delay);
      const store = await LevelStore.open(dataDir);
      try {
        const head = await store.head();
        const height = head?.height ?? -1;
        const context = `round ${round}, kill after ${delay} ms (replay with TL_SEED=${seed})`;
        expect(height, context).toBeGreaterThanOrEqual(acknowledged);
        expect(height, context).toBeGreaterThanOrEqual(previousHeight);
        const report = await auditStore(store, { stateMachine: recordingStateMachine });
        expect(report, context).toMatchObject({ ok: true, headHeight: height });
        previousHeight = height;
      } finally {
        await store.close();
      }
    }
    expect(previousHeight).toBeGreaterThan(20);
  });
});
