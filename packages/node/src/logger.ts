// The node's logs: pino, one JSON object per line (for machines and log shippers), or, for a person
// at a terminal, one readable line per record: `12:04:05.123 INFO  message key=value …`.
// pino-pretty is not a dependency, so the readable form is a small formatter stream here.
//
// Owns: logger construction and the pretty line format. Must never: throw from the formatter (a
// log line that is not JSON is passed through as it came) or block on a slow terminal.

import pino, { type DestinationStream, type Logger } from 'pino';
import { NodeError } from './errors.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type LogFormat = 'json' | 'pretty';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];
/** Longest value the pretty form prints for one field before cutting it. */
export const PRETTY_VALUE_MAX_CHARS = 2_000;

export type { Logger };

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** Where lines go; standard output when absent. */
  readonly destination?: { write(chunk: string): unknown };
  /** Fields on every record, e.g. { peerId }. */
  readonly base?: Record<string, string | number>;
  /** Colour the pretty form (default: when the destination is a TTY). */
  readonly colors?: boolean;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const LEVEL_COLORS: Record<number, string> = { 10: '\x1b[90m', 20: '\x1b[36m', 30: '\x1b[32m', 40: '\x1b[33m', 50: '\x1b[31m', 60: '\x1b[35m' };
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
const OMITTED = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v']);

function two(n: number): string {
  return n.toString().padStart(2, '0');
}

function prettyValue(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > PRETTY_VALUE_MAX_CHARS ? `${text.slice(0, PRETTY_VALUE_MAX_CHARS)}…` : text;
}

/** One pino JSON line as a readable line (local time), or the line itself when it is not a record. */
export function formatLogLine(line: string, options: { colors?: boolean } = {}): string {
  const trimmed = line.endsWith('\n') ? line.slice(0, -1) : line;
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return `${trimmed}\n`;
    record = parsed as Record<string, unknown>;
  } catch {
    return `${trimmed}\n`;
  }
  const level = typeof record.level === 'number' ? record.level : 30;
  const time = typeof record.time === 'number' ? new Date(record.time) : undefined;
  const clock = time === undefined ? '--:--:--.---' : `${two(time.getHours())}:${two(time.getMinutes())}:${two(time.getSeconds())}.${time.getMilliseconds().toString().padStart(3, '0')}`;
  const name = (LEVEL_NAMES[level] ?? `L${level}`).padEnd(5);
  const msg = typeof record.msg === 'string' ? record.msg : '';
  const fields: string[] = [];
  let stack: string | undefined;
  for (const [key, value] of Object.entries(record)) {
    if (OMITTED.has(key)) continue;
    if (key === 'err' && typeof value === 'object' && value !== null) {
      const err = value as { type?: unknown; message?: unknown; code?: unknown; stack?: unknown };
      fields.push(`err=${prettyValue(`${typeof err.type === 'string' ? err.type : 'Error'}${typeof err.code === 'string' ? `[${err.code}]` : ''}: ${typeof err.message === 'string' ? err.message : ''}`)}`);
      if (typeof err.stack === 'string' && level >= 50) stack = err.stack;
      continue;
    }
    fields.push(`${key}=${prettyValue(value)}`);
  }
  const colors = options.colors === true;
  const head = colors ? `${DIM}${clock}${RESET} ${LEVEL_COLORS[level] ?? ''}${name}${RESET}` : `${clock} ${name}`;
  const tail = fields.length === 0 ? '' : colors ? ` ${DIM}${fields.join(' ')}${RESET}` : ` ${fields.join(' ')}`;
  const indented = stack === undefined ? '' : `\n    ${stack.split('\n').join('\n    ')}`;
  return `${head} ${msg}${tail}${indented}\n`;
}

/** A pino destination that writes each record as a readable line to `out`. */
export function prettyDestination(out: { write(chunk: string): unknown }, options: { colors?: boolean } = {}): DestinationStream {
  return {
    write(chunk: string): void {
      // pino writes one record per call; split anyway in case a caller batches.
      for (const line of chunk.split('\n')) if (line.length > 0) out.write(formatLogLine(line, options));
    },
  };
}

export function createLogger(options: LoggerOptions): Logger {
  if (!LOG_LEVELS.includes(options.level)) throw new NodeError('CONFIG_INVALID', `log.level: expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(options.level)}`);
  if (!LOG_FORMATS.includes(options.format)) throw new NodeError('CONFIG_INVALID', `log.format: expected one of ${LOG_FORMATS.join(', ')}, got ${JSON.stringify(options.format)}`);
  const out = options.destination ?? process.stdout;
  const pinoOptions = { level: options.level, base: options.base ?? {}, timestamp: pino.stdTimeFunctions.epochTime };
  if (options.format === 'json') return pino(pinoOptions, out as DestinationStream);
  const colors = options.colors ?? (out === process.stdout && process.stdout.isTTY === true);
  return pino(pinoOptions, prettyDestination(out, { colors }));
}
