// Reading the files a user names on the command line. Every failure is a usage error (exit 2)
// that names the file and, for JSON, where it broke.

import { readFileSync, statSync } from 'node:fs';
import { readKeyFile, type KeyPair } from '@tradeledger/ledger';
import { usageError } from './errors.js';
import { INPUT_FILE_MAX_BYTES } from './constants.js';

/** The bytes of `path`, refusing directories and files above `maxBytes`. */
export function readInputBytes(path: string, field: string, maxBytes: number = INPUT_FILE_MAX_BYTES): Uint8Array {
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw usageError('INPUT_NOT_A_FILE', `${field}: ${path} is not a regular file`, field);
    size = stat.size;
  } catch (error) {
    if ((error as { code?: string }).code === 'INPUT_NOT_A_FILE') throw error;
    throw usageError('INPUT_NOT_FOUND', `${field}: cannot read ${path}: ${(error as Error).message}`, field, error);
  }
  if (size > maxBytes) throw usageError('INPUT_TOO_LARGE', `${field}: ${path} is ${size} bytes, more than ${maxBytes}`, field);
  try {
    return new Uint8Array(readFileSync(path));
  } catch (error) {
    throw usageError('INPUT_NOT_FOUND', `${field}: cannot read ${path}: ${(error as Error).message}`, field, error);
  }
}

export function readInputText(path: string, field: string, maxBytes: number = INPUT_FILE_MAX_BYTES): string {
  const bytes = readInputBytes(path, field, maxBytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw usageError('INPUT_NOT_UTF8', `${field}: ${path} is not UTF-8 text`, field, error);
  }
}

/** A JSON file, parsed; a syntax error names the file. */
export function readJsonFile(path: string, field: string, maxBytes: number = INPUT_FILE_MAX_BYTES): unknown {
  const text = readInputText(path, field, maxBytes);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw usageError('INPUT_NOT_JSON', `${field}: ${path} is not valid JSON: ${(error as Error).message}`, field, error);
  }
}

/** A signing key file (ledger key-file format), warning on stderr when group or others can read it. */
export function readSigningKey(path: string, warn: (message: string) => void): KeyPair {
  return readKeyFile(path, { warn });
}
