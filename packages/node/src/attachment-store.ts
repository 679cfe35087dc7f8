// Attachment bytes (images, product guides, back-up documents), kept by each node beside the
// ledger and addressed by their SHA-256: the ledger records the hash, media type and size in an
// `attachment` document; the bytes never enter a block. Files are written to a temporary name and
// renamed, so a crash leaves a whole file or none, and every read re-checks the hash so a file
// damaged on disk is never served as the attachment.

import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeError } from './errors.js';

/** Largest attachment a node accepts (16 MiB). */
export const ATTACHMENT_MAX_BYTES = 16 * 1024 * 1024;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class AttachmentStore {
  private constructor(private readonly dir: string) {}

  static async open(dir: string): Promise<AttachmentStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return new AttachmentStore(dir);
  }

  private path(hash: string): string {
    if (!SHA256_HEX.test(hash)) throw new NodeError('ATTACHMENT_HASH_INVALID', `attachment hash: expected 64 lower-case hex characters, got ${JSON.stringify(hash.slice(0, 80))}`, { status: 400 });
    return join(this.dir, hash);
  }

  /** Stores bytes under their hash; `expectedHash`, when given, must match. Returns the hash. */
  async put(bytes: Uint8Array, expectedHash?: string): Promise<string> {
    if (bytes.length > ATTACHMENT_MAX_BYTES) throw new NodeError('ATTACHMENT_TOO_LARGE', `attachment: ${bytes.length} bytes exceeds ${ATTACHMENT_MAX_BYTES}`, { status: 413 });
    const hash = sha256Hex(bytes);
    if (expectedHash !== undefined && expectedHash !== hash) {
      throw new NodeError('ATTACHMENT_HASH_MISMATCH', `attachment: the bytes hash to ${hash}, not ${expectedHash}`, { status: 400 });
    }
    const target = this.path(hash);
    if (await this.has(hash)) return hash;
    const temporary = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    const handle = await open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
    return hash;
  }

  async has(hash: string): Promise<boolean> {
    try {
      await stat(this.path(hash));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  /** The bytes, or undefined when this node does not hold them. A damaged file is removed. */
  async get(hash: string): Promise<Uint8Array | undefined> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(this.path(hash));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    if (sha256Hex(bytes) !== hash) {
      await rm(this.path(hash), { force: true });
      return undefined;
    }
    return bytes;
  }
}
