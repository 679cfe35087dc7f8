// The example attachments are real files: every hash the examples cite (the right's attachments,
// the attachment records) is the SHA-256 of a committed file under examples/media, the records'
// sizes and media types are those of the files, and exampleSubmissions hands the bytes out with the
// attachment transactions, refusing bytes that do not match their record.
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { exampleSubmissions, readExampleManifest } from '../src/examples.js';

const EXAMPLES_DIR = fileURLToPath(new URL('../../../examples/', import.meta.url));
const NOW_MS = Date.parse('2026-01-15T12:00:00Z');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const readJson = (file: string) => JSON.parse(readFileSync(join(EXAMPLES_DIR, file), 'utf8')) as Record<string, unknown>;
const scratch: string[] = [];

afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the examples folder to break. */
function examplesCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tl-examples-'));
  scratch.push(dir);
  cpSync(EXAMPLES_DIR, dir, { recursive: true });
  return dir;
}

describe('example attachments', () => {
  const manifest = readExampleManifest(EXAMPLES_DIR);
  const attachments = manifest.submissions.filter((s) => s.kind === 'attachment');

  it('name a committed file whose SHA-256, size and type are the record’s', () => {
    expect(attachments.map((s) => [s.name, s.bytes])).toEqual([
      ['attachment', 'media/air-max-90-lateral.png'],
      ['attachment-guide', 'media/authentication-guide-2025.pdf'],
    ]);
    for (const submission of attachments) {
      const record = readJson(submission.file);
      const bytes = new Uint8Array(readFileSync(join(EXAMPLES_DIR, submission.bytes as string)));
      expect(sha256(bytes), submission.name).toBe(record['sha256']);
      expect(bytes.length, submission.name).toBe(record['sizeBytes']);
      expect(bytes.length, `${submission.name} is small enough to commit`).toBeLessThan(60_000);
      const magic = Buffer.from(bytes.subarray(0, 8)).toString('latin1');
      if (record['mediaType'] === 'image/png') expect(magic).toBe('\x89PNG\r\n\x1a\n');
      else if (record['mediaType'] === 'application/pdf') expect(magic.slice(0, 5)).toBe('%PDF-');
      else expect.unreachable(`unexpected media type ${String(record['mediaType'])}`);
    }
  });

  it('are the files the right cites, each recorded once under the right’s title', () => {
    const right = readJson('right.json') as { attachments: Array<{ sha256: string; purpose: string; title: string }> };
    const records = attachments.map((s) => readJson(s.file) as { sha256: string; title: string; belongsTo: string[] });
    expect(right.attachments.map((a) => a.purpose)).toEqual(['image', 'product-guide']);
    for (const cited of right.attachments) {
      const matching = records.filter((r) => r.sha256 === cited.sha256);
      expect(matching, `${cited.purpose} ${cited.sha256}`).toHaveLength(1);
      expect(matching[0]).toMatchObject({ title: cited.title, belongsTo: ['{{ref:right}}'] });
    }
  });

  it('the PNG is a 640x400 image and the PDF a one-page document with the guide’s title', () => {
    const png = readFileSync(join(EXAMPLES_DIR, 'media/air-max-90-lateral.png'));
    expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([640, 400]);
    const pdf = readFileSync(join(EXAMPLES_DIR, 'media/authentication-guide-2025.pdf')).toString('latin1');
    expect(pdf).toContain('/Type /Pages /Kids [3 0 R] /Count 1');
    expect(pdf).toContain('(Authentication guide: stitching, labels and box markings \\(2025\\)) Tj');
    // The cross-reference table points at each object's first byte.
    const xrefAt = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(pdf)?.[1]);
    expect(pdf.slice(xrefAt, xrefAt + 5)).toBe('xref\n');
    const offsets = [...pdf.slice(xrefAt).matchAll(/^(\d{10}) 00000 n $/gm)].map((m) => Number(m[1]));
    expect(offsets).toHaveLength(7);
    offsets.forEach((offset, i) => expect(pdf.slice(offset, offset + `${i + 1} 0 obj`.length)).toBe(`${i + 1} 0 obj`));
  });

  it('come out of exampleSubmissions with the attachment transactions', () => {
    const submissions = exampleSubmissions(EXAMPLES_DIR, { nowMs: NOW_MS });
    expect(submissions.map((s) => s.name)).toEqual(manifest.submissions.map((s) => s.name));
    const withBytes = submissions.filter((s) => s.attachment !== undefined);
    expect(withBytes.map((s) => s.name)).toEqual(['attachment', 'attachment-guide']);
    for (const submission of withBytes) {
      const attachment = submission.attachment as NonNullable<typeof submission.attachment>;
      const payload = submission.tx.tx.payload as { sha256: string; mediaType: string; sizeBytes: number; belongsTo: string[] };
      expect(sha256(attachment.bytes)).toBe(payload.sha256);
      expect(attachment).toMatchObject({ sha256: payload.sha256, mediaType: payload.mediaType });
      expect(attachment.bytes.length).toBe(payload.sizeBytes);
      expect(payload.belongsTo).toEqual([submissions.find((s) => s.name === 'right')?.tx.idHex]);
    }
    expect(withBytes.map((s) => s.attachment?.mediaType)).toEqual(['image/png', 'application/pdf']);
  });

  it('refuses bytes that are not the ones the record names', () => {
    const dir = examplesCopy();
    const file = join(dir, 'media/air-max-90-lateral.png');
    const bytes = readFileSync(file);
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] as number) ^ 0x01;
    writeFileSync(file, bytes);
    expect(() => exampleSubmissions(dir, { nowMs: NOW_MS })).toThrow(expect.objectContaining({ code: 'EXAMPLE_ATTACHMENT_MISMATCH', message: expect.stringContaining('example attachment: media/air-max-90-lateral.png hashes to') }));
    // The examples before it still load.
    expect(exampleSubmissions(dir, { nowMs: NOW_MS, stopBefore: 'attachment' }).map((s) => s.name)).not.toContain('attachment');
  });

  it('refuses a size that is not the file’s, a missing file, and a path outside the folder', () => {
    const sized = examplesCopy();
    const record = JSON.parse(readFileSync(join(sized, 'attachment-guide.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(sized, 'attachment-guide.json'), JSON.stringify({ ...record, sizeBytes: (record['sizeBytes'] as number) + 1 }));
    expect(() => exampleSubmissions(sized, { nowMs: NOW_MS })).toThrow(expect.objectContaining({ code: 'EXAMPLE_ATTACHMENT_MISMATCH', message: expect.stringContaining('is 3086 bytes, the record says sizeBytes 3087') }));

    const missing = examplesCopy();
    rmSync(join(missing, 'media/authentication-guide-2025.pdf'));
    expect(() => exampleSubmissions(missing, { nowMs: NOW_MS })).toThrow(expect.objectContaining({ code: 'EXAMPLE_UNREADABLE' }));

    const outside = examplesCopy();
    const manifestFile = join(outside, 'manifest.json');
    writeFileSync(manifestFile, readFileSync(manifestFile, 'utf8').replace('"media/air-max-90-lateral.png"', '"../air-max-90-lateral.png"'));
    expect(() => exampleSubmissions(outside, { nowMs: NOW_MS })).toThrow(expect.objectContaining({ code: 'EXAMPLE_BYTES_PATH' }));
  });
});
