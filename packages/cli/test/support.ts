// Test helpers: run the CLI in-process with captured output.
import { runCli } from '../src/program.js';
import type { CliIo } from '../src/output.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function cli(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), stderrIsTTY: false, env };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}
