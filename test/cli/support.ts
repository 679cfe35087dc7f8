// Helpers for the multi-process CLI tests: run the built `tradeledger` binary as a user would,
// start `tradeledger dev` in its own process group (so a group kill stops every node it started),
// and write the examples as payload files dated today (placeholders {{ref:NAME}} kept for --ref).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readExampleManifest, shiftExampleDates, type ExampleManifest } from '@tradeledger/node';

export const BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
export const EXAMPLES_DIR = fileURLToPath(new URL('../../examples/', import.meta.url));
const DAY_MS = 86_400_000;

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `tradeledger <args>` and returns its exit code and output (never rejects). */
export function tl(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Like tl, but fails the test with the output when the exit code is not `expected`. */
export async function tlOk(args: readonly string[], env: Record<string, string> = {}, expected = 0): Promise<Run> {
  const run = await tl(args, env);
  if (run.code !== expected) throw new Error(`tradeledger ${args.join(' ')} exited ${run.code} (expected ${expected})\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run;
}

export interface DevNetwork<Info> {
  readonly child: ChildProcess;
  readonly info: Info;
  /** Output so far on stderr (warnings, "stopping the nodes"). */
  stderr(): string;
  /** SIGTERM to dev itself; resolves with its exit code. */
  stop(): Promise<number | null>;
}

const groups: number[] = [];

/** Kills every process group a test started (dev and its nodes). For afterAll. */
export function killAll(): void {
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Starts `tradeledger dev --json …` in a new process group and waits for its JSON line. */
export function startDev<Info>(args: readonly string[], timeoutMs = 120_000): Promise<DevNetwork<Info>> {
  const child = spawn(process.execPath, [BIN, 'dev', '--json', ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid !== undefined) groups.push(child.pid);
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dev did not become ready in ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`)), timeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`dev exited with ${String(code)} before it was ready\nstdout: ${stdout}\nstderr: ${stderr}`));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      try {
        const info = JSON.parse(stdout.slice(0, newline)) as Info;
        resolve({
          child,
          info,
          stderr: () => stderr,
          stop: async () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      } catch (error) {
        reject(new Error(`dev printed something that is not its JSON line: ${stdout.slice(0, 500)} (${(error as Error).message})`));
      }
    });
  });
}

/** Whether a process (by pid) is still alive. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function manifest(): ExampleManifest {
  return readExampleManifest(EXAMPLES_DIR);
}

/** Writes submission `name`'s payload to `dir` with its dates moved to today; returns the path. */
export function examplePayloadFile(dir: string, name: string): string {
  const m = manifest();
  const submission = m.submissions.find((s) => s.name === name);
  if (submission === undefined) throw new Error(`no example ${name}`);
  const days = Math.floor((Date.now() - Date.parse(m.timestamp)) / DAY_MS);
  const payload = shiftExampleDates(JSON.parse(readFileSync(join(EXAMPLES_DIR, submission.file), 'utf8')), days);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(payload, null, 2));
  return path;
}

/** The {{ref:NAME}} names a payload file uses. */
export function refNames(path: string): string[] {
  return [...new Set([...readFileSync(path, 'utf8').matchAll(/\{\{ref:([A-Za-z0-9._-]+)\}\}/g)].map((m) => m[1] as string))];
}

export interface DevInfo {
  dir: string;
  chainId: string;
  genesis: string;
  nodes: Array<{ name: string; pid: number; apiUrl: string; peerId: string; dataDir: string; dir: string; founding: boolean }>;
  organizations: Array<{ signer: string; lei: string; keyFile: string; token: string }>;
  examples: Record<string, string>;
  height: number;
  logSize: number;
}
