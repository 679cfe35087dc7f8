import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ATTACHMENT_MAX_BYTES, AttachmentStore, sha256Hex } from '../src/attachment-store.js';

const root = mkdtempSync(join(tmpdir(), 'tl-attach-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('AttachmentStore', () => {
  it('stores by SHA-256 with mode 0600 and reads back the same bytes', async () => {
    const store = await AttachmentStore.open(join(root, 'a'));
    const bytes = new TextEncoder().encode('product guide: logo placement, stitching');
    const hash = await store.put(bytes);
    expect(hash).toBe(sha256Hex(bytes));
    expect(Buffer.from((await store.get(hash)) as Uint8Array).equals(Buffer.from(bytes))).toBe(true);
    expect(statSync(join(root, 'a', hash)).mode & 0o777).toBe(0o600);
    expect(await store.put(bytes, hash)).toBe(hash);
  });

  it('refuses a wrong expected hash, a bad hash and an oversized attachment with codes', async () => {
    const store = await AttachmentStore.open(join(root, 'b'));
    await expect(store.put(Uint8Array.of(1), 'a'.repeat(64))).rejects.toMatchObject({ code: 'ATTACHMENT_HASH_MISMATCH', status: 400 });
    await expect(store.get('../../etc/passwd')).rejects.toMatchObject({ code: 'ATTACHMENT_HASH_INVALID' });
    await expect(store.put(new Uint8Array(ATTACHMENT_MAX_BYTES + 1))).rejects.toMatchObject({ code: 'ATTACHMENT_TOO_LARGE', status: 413 });
    expect(await store.get('b'.repeat(64))).toBeUndefined();
  });

  it('never serves a file damaged on disk', async () => {
    const store = await AttachmentStore.open(join(root, 'c'));
    const hash = await store.put(Uint8Array.of(1, 2, 3));
    writeFileSync(join(root, 'c', hash), Uint8Array.of(1, 2, 4));
    expect(await store.get(hash)).toBeUndefined();
    expect(await store.has(hash)).toBe(false);
  });
});
