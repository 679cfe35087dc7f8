// How commands speak: human output is a short summary or a table on stdout; `--json` prints one
// JSON document on stdout instead; errors are one line on stderr (`error CODE (field): message`),
// and with `--json` also a JSON object `{ "error": { code, message, field? } }` on stdout so a
// script reading stdout always gets JSON.

import type { CliError } from './errors.js';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal (progress bars are drawn only then). */
  readonly stderrIsTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  stderrIsTTY: process.stderr.isTTY === true,
  env: process.env,
};

/** A JSON value printed on one document, two-space indented, with a final newline. */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** `label: value` lines with the labels padded to one column. */
export function printSummary(io: CliIo, rows: ReadonlyArray<readonly [string, string | number | boolean | null | undefined]>): void {
  const width = Math.max(0, ...rows.map(([label]) => label.length));
  for (const [label, value] of rows) io.stdout(`${`${label}:`.padEnd(width + 2)}${value === undefined || value === null ? '-' : String(value)}\n`);
}

/** A plain text table: a header row, then one row per item; columns padded to their widest cell. */
export function formatTable(columns: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | boolean | null | undefined>>): string {
  const cells = rows.map((row) => columns.map((_, i) => {
    const value = row[i];
    return value === undefined || value === null ? '-' : String(value);
  }));
  const widths = columns.map((title, i) => Math.max(title.length, ...cells.map((row) => (row[i] as string).length)));
  const line = (values: readonly string[]): string => values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i] as number))).join('  ').trimEnd();
  return [line(columns), ...cells.map(line)].join('\n') + '\n';
}

export function printTable(io: CliIo, columns: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | boolean | null | undefined>>): void {
  io.stdout(formatTable(columns, rows));
}

/** The one-line form of an error: `error CODE (field): message`. */
export function formatErrorLine(error: CliError): string {
  return `error ${error.code}${error.field === undefined ? '' : ` (${error.field})`}: ${error.message.replace(/\s*\n\s*/g, ' ')}`;
}

export function printError(io: CliIo, error: CliError, json: boolean): void {
  io.stderr(`${formatErrorLine(error)}\n`);
  if (json) printJson(io, { error: error.toJSON(), exitCode: error.exitCode });
}
