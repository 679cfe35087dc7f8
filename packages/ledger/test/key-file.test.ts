import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../src/bytes.js';
import { KEY_FILE_MAX_BYTES } from '../src/constants.js';
import { publicKeyFromSeed, sign, verify } from '../src/ed25519.js';
import { encodeKeyFile, parseKeyFile, readKeyFile, writeKeyFile } from '../src/key-file.js';

const dir = mkdtempSync(join(tmpdir(), 'tl-key-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const seed = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
const other = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
const posix = process.platform !== 'win32';
let counter = 0;
const freshPath = (): string => join(dir, `key-${counter++}.json`);

function collectWarnings(path: string): { warnings: string[]; seedHex: string } {
  const warnings: string[] = [];
  const pair = readKeyFile(path, { warn: (message) => warnings.push(message) });
  return { warnings, seedHex: toHex(pair.seed) };
}

describe('writeKeyFile', () => {
  it('writes the JSON shape with mode 0600 and reads it back without a warning', () => {
    const path = freshPath();
    writeKeyFile(path, seed);
    if (posix) expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ type: 'ed25519', version: 1, publicKey: toHex(publicKeyFromSeed(seed)), privateKey: toHex(seed) });
    const { warnings, seedHex } = collectWarnings(path);
    expect(warnings).toEqual([]);
    expect(seedHex).toBe(toHex(seed));
    const pair = readKeyFile(path, { warn: () => undefined });
    expect(verify(pair.publicKey, Uint8Array.of(1), sign(pair.seed, Uint8Array.of(1)))).toBe(true);
  });

  it('refuses to overwrite an existing file unless asked, and then replaces it atomically with mode 0600', () => {
    const path = freshPath();
    writeKeyFile(path, seed);
    expect(() => writeKeyFile(path, other)).toThrow(expect.objectContaining({ code: 'KEY_FILE_EXISTS' }));
    expect(toHex(readKeyFile(path, { warn: () => undefined }).seed)).toBe(toHex(seed));
    if (posix) chmodSync(path, 0o644);
    writeKeyFile(path, other, { overwrite: true });
    if (posix) expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(toHex(readKeyFile(path, { warn: () => undefined }).seed)).toBe(toHex(other));
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a malformed seed without creating the file', () => {
    const path = freshPath();
    expect(() => writeKeyFile(path, new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'KEY_SEED_INVALID' }));
    expect(() => statSync(path)).toThrow();
  });

  it('reports a missing directory as a coded write failure', () => {
    expect(() => writeKeyFile(join(dir, 'missing', 'key.json'), seed)).toThrow(expect.objectContaining({ code: 'KEY_FILE_WRITE_FAILED' }));
  });
});

describe('readKeyFile', () => {
  it.runIf(posix)('warns when group or others can access the file, naming the mode, and still loads it', () => {
    for (const mode of [0o640, 0o604, 0o644, 0o666]) {
      const path = freshPath();
      writeKeyFile(path, seed);
      chmodSync(path, mode);
      const { warnings, seedHex } = collectWarnings(path);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`0${mode.toString(8)}`);
      expect(warnings[0]).toContain('chmod 600');
      expect(seedHex).toBe(toHex(seed));
    }
    const strict = freshPath();
    writeKeyFile(strict, seed);
    chmodSync(strict, 0o400);
    expect(collectWarnings(strict).warnings).toEqual([]);
  });

  it('KEY_FILE_NOT_FOUND for a missing file', () => {
    expect(() => readKeyFile(join(dir, 'nope.json'))).toThrow(expect.objectContaining({ code: 'KEY_FILE_NOT_FOUND' }));
  });

  it('KEY_FILE_INVALID for a directory and for a file larger than a key file can be', () => {
    expect(() => readKeyFile(dir)).toThrow(expect.objectContaining({ code: 'KEY_FILE_INVALID' }));
    const path = freshPath();
    writeFileSync(path, ' '.repeat(KEY_FILE_MAX_BYTES + 1), { mode: 0o600 });
    expect(() => readKeyFile(path)).toThrow(expect.objectContaining({ code: 'KEY_FILE_INVALID' }));
  });

  it('validates every field with coded errors', () => {
    const good = JSON.parse(encodeKeyFile(seed)) as Record<string, unknown>;
    const variant = (change: Record<string, unknown>, drop?: string) => {
      const copy: Record<string, unknown> = { ...good, ...change };
      if (drop !== undefined) delete copy[drop];
      return JSON.stringify(copy);
    };
    const cases: Array<[string, string, string | undefined]> = [
      ['not json', '{', undefined],
      ['array', '[]', undefined],
      ['unknown field', variant({ didKey: 'did:key:z' }), 'didKey'],
      ['missing privateKey', variant({}, 'privateKey'), 'privateKey'],
      ['missing type', variant({}, 'type'), 'type'],
      ['wrong type', variant({ type: 'secp256k1' }), 'type'],
      ['wrong version', variant({ version: 2 }), 'version'],
      ['upper-case hex', variant({ privateKey: toHex(seed).toUpperCase() }), 'privateKey'],
      ['short private key', variant({ privateKey: toHex(seed).slice(2) }), 'privateKey'],
      ['number public key', variant({ publicKey: 5 }), 'publicKey'],
      ['long public key', variant({ publicKey: `${good['publicKey'] as string}00` }), 'publicKey'],
    ];
    for (const [name, text, field] of cases) {
      let caught: unknown;
      try {
        parseKeyFile(text, 'k.json');
      } catch (error) {
        caught = error;
      }
      expect(caught, name).toMatchObject(field === undefined ? { code: 'KEY_FILE_INVALID' } : { code: 'KEY_FILE_INVALID', field });
    }
    expect(() => parseKeyFile(variant({ publicKey: toHex(publicKeyFromSeed(other)) }), 'k.json')).toThrow(expect.objectContaining({ code: 'KEY_FILE_MISMATCH', field: 'publicKey' }));
  });

  it('reads a file with a mismatched public key as KEY_FILE_MISMATCH, naming the path', () => {
    const path = freshPath();
    const text = encodeKeyFile(seed).replace(toHex(publicKeyFromSeed(seed)), toHex(publicKeyFromSeed(other)));
    writeFileSync(path, text, { mode: 0o600 });
    expect(() => readKeyFile(path)).toThrow(expect.objectContaining({ code: 'KEY_FILE_MISMATCH', message: expect.stringContaining(path) }));
  });
});
