// `tradeledger credential`: offline verification of the W3C eddsa-jcs-2022 test vector (and its
// refusal after one-character changes), --public-key, --at, a licensee credential issued with
// --dry-run and verified offline, issue and revoke against a stand-in node (what they send), and
// the online verdicts from the node's entry-line check (recorded, revoked, not recorded).
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTx, didKeyFromPublicKey, generateSeed, licenseCredentialHash, publicKeyFromSeed, toHex, writeKeyFile } from '@tradeledger/ledger';
import { cli } from './support.js';

const VECTOR_DIR = new URL('../../ledger/test/fixtures/vc/eddsa-jcs-2022/', import.meta.url);
const VECTOR_FILE = new URL('signed-credential.json', VECTOR_DIR).pathname;
const VECTOR_KEY = (JSON.parse(readFileSync(new URL('key-pair.json', VECTOR_DIR), 'utf8')) as { publicKeyMultibase: string }).publicKeyMultibase;
const LICENSE_ID = 'a1'.repeat(32);
const WALMART = 'Y87794H0US1R65VBXU25';

const dir = mkdtempSync(join(tmpdir(), 'tl-cli-credential-'));
const seed = generateSeed();
const keyFile = join(dir, 'nike.key');
writeKeyFile(keyFile, seed);
const issuerDid = didKeyFromPublicKey(publicKeyFromSeed(seed));

let server: Server;
let apiUrl: string;
const posted: Array<{ kind: string; payload: Record<string, unknown> }> = [];
/** What the stand-in node's entry-line check lists as credentials (undefined: an old node without them). */
let listed: unknown[] | undefined = [];
const entryLineQueries: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.url === '/v1/head') return reply(200, { height: 3, chainId: 'unit-chain', logSize: 3 });
    if (request.url?.startsWith('/v1/check/entry-line')) {
      entryLineQueries.push(request.url);
      return reply(200, { gtin14: '00012345600012', instantMs: 0, importer: { lei: WALMART, licensed: false, licenses: [] }, rights: [], ...(listed === undefined ? {} : { credentials: listed }) });
    }
    if (request.method === 'POST' && request.url?.startsWith('/v1/tx')) {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const decoded = decodeTx(new Uint8Array(Buffer.concat(chunks)));
        posted.push({ kind: decoded.tx.kind, payload: decoded.tx.payload as Record<string, unknown> });
        reply(200, { txId: decoded.idHex, status: 'accepted' });
      });
      return;
    }
    reply(404, { error: { code: 'NOT_FOUND', message: 'no route' } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  apiUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function json(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('credential verify --offline on the W3C eddsa-jcs-2022 vector', () => {
  it('verifies the specification\'s signed credential, resolving the did:key itself', async () => {
    const run = await cli(['credential', 'verify', VECTOR_FILE, '--offline', '--json']);
    expect(run.code).toBe(0);
    expect(json(run.stdout)).toMatchObject({
      verified: true,
      checked: 'generic',
      offline: true,
      issuer: 'https://vc.example/issuers/5678',
      verificationMethod: `did:key:${VECTOR_KEY}#${VECTOR_KEY}`,
    });
    const text = await cli(['credential', 'verify', VECTOR_FILE, '--offline']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^verified: +yes \(credential, offline\)/);
  });

  it('refuses it after any one-character change of its content (exit 1 when still JSON, never 0)', async () => {
    const original = readFileSync(VECTOR_FILE, 'utf8');
    const changed = join(dir, 'changed.json');
    let verifiedChanges = 0;
    let refusedAsJson = 0;
    for (let i = 0; i < original.length; i++) {
      const c = original[i] as string;
      if (/\s/.test(c)) continue; // whitespace between tokens is not content (RFC 8785 drops it)
      const replacement = c === 'a' ? 'b' : c === 'A' ? 'B' : /[0-9]/.test(c) ? String((Number(c) + 1) % 10) : 'a';
      const text = original.slice(0, i) + replacement + original.slice(i + 1);
      writeFileSync(changed, text);
      const run = await cli(['credential', 'verify', changed, '--offline']);
      let isJson = true;
      try {
        JSON.parse(text);
      } catch {
        isJson = false;
      }
      if (run.code === 0) verifiedChanges++;
      if (isJson) {
        expect(run.code, `position ${i}: ${JSON.stringify(text.slice(Math.max(0, i - 20), i + 20))}`).toBe(1);
        expect(run.stderr).toMatch(/^error [A-Z_]+ /);
        refusedAsJson++;
      } else expect(run.code).toBe(2);
    }
    expect(verifiedChanges).toBe(0);
    expect(refusedAsJson).toBeGreaterThan(700); // 798 of the vector's characters can change and leave JSON
  }, 60_000);

  it('names the failing check: a signature one character off, a changed subject', async () => {
    const vc = JSON.parse(readFileSync(VECTOR_FILE, 'utf8')) as Record<string, Record<string, string>>;
    const value = vc['proof']?.['proofValue'] as string;
    const file = join(dir, 'sig.json');
    writeFileSync(file, JSON.stringify({ ...vc, proof: { ...vc['proof'], proofValue: `${value.slice(0, -1)}${value.endsWith('X') ? 'Y' : 'X'}` } }));
    const sig = await cli(['credential', 'verify', file, '--offline', '--json']);
    expect(sig.code).toBe(1);
    expect(json(sig.stdout)).toMatchObject({ verified: false, code: 'PROOF_INVALID_SIGNATURE', field: 'proof.proofValue' });
    writeFileSync(file, JSON.stringify({ ...vc, credentialSubject: { ...vc['credentialSubject'], alumniOf: 'The School of Examples!' } }));
    const subject = await cli(['credential', 'verify', file, '--offline']);
    expect(subject.code).toBe(1);
    expect(subject.stderr).toMatch(/^error PROOF_INVALID_SIGNATURE \(proof\.proofValue\): /);
  });

  it('takes --public-key: the vector\'s own key verifies, another key does not, a malformed one is a usage error', async () => {
    expect((await cli(['credential', 'verify', VECTOR_FILE, '--offline', '--public-key', VECTOR_KEY])).code).toBe(0);
    const other = didKeyFromPublicKey(publicKeyFromSeed(seed)).slice('did:key:'.length);
    const wrong = await cli(['credential', 'verify', VECTOR_FILE, '--offline', '--public-key', other, '--json']);
    expect(wrong.code).toBe(1);
    expect(json(wrong.stdout)).toMatchObject({ verified: false, code: 'PROOF_VERIFICATION_METHOD_UNRESOLVED' });
    const bad = await cli(['credential', 'verify', VECTOR_FILE, '--offline', '--public-key', 'x6MkrJVn']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error ARGUMENT_INVALID \(public-key\): /);
  });

  it('judges validity at --at: not before validFrom', async () => {
    const early = await cli(['credential', 'verify', VECTOR_FILE, '--offline', '--at', '2022-12-31', '--json']);
    expect(early.code).toBe(1);
    expect(json(early.stdout)).toMatchObject({ verified: false, code: 'VC_NOT_YET_VALID', field: 'validFrom' });
    expect((await cli(['credential', 'verify', VECTOR_FILE, '--offline', '--at', '2023-01-01T00:00:00Z'])).code).toBe(0);
    expect((await cli(['credential', 'verify', VECTOR_FILE, '--offline', '--at', 'soon'])).code).toBe(2);
  });

  it('online, says the ledger records licensee credentials only', async () => {
    const run = await cli(['credential', 'verify', VECTOR_FILE, '--node', apiUrl, '--json']);
    expect(run.code).toBe(1);
    expect(json(run.stdout)).toMatchObject({ verified: false, code: 'LEDGER_STATUS_UNAVAILABLE' });
  });
});

describe('credential issue, verify and revoke', () => {
  const vcFile = join(dir, 'walmart-vc.json');

  it('issues with --dry-run: a signed licensee credential written to --out, verified offline', async () => {
    const run = await cli(['credential', 'issue', '--key', keyFile, '--license', LICENSE_ID, '--lei', WALMART, '--role', 'retailer', '--gtin', '012345600012', '--valid-from', '2025-03-01', '--valid-until', '2099-12-31', '--out', vcFile, '--dry-run', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const answer = json(run.stdout);
    const vc = JSON.parse(readFileSync(vcFile, 'utf8')) as Record<string, unknown>;
    expect(answer).toMatchObject({ kind: 'credential-issue', status: 'signed', credentialHash: toHex(licenseCredentialHash(vc)), issuer: issuerDid, inline: true, file: vcFile });
    expect(vc).toMatchObject({ issuer: issuerDid, validFrom: '2025-03-01T00:00:00Z', validUntil: '2099-12-31T23:59:59Z', credentialSubject: { lei: WALMART, role: 'retailer', licenseTxId: LICENSE_ID, gtins: ['00012345600012'] } });
    const verified = await cli(['credential', 'verify', vcFile, '--offline', '--json']);
    expect(verified.code).toBe(0);
    expect(json(verified.stdout)).toMatchObject({ verified: true, checked: 'license', issuer: issuerDid, credentialHash: answer['credentialHash'] });
    // Pinning the issuer's key: its own key verifies, another does not.
    expect((await cli(['credential', 'verify', vcFile, '--offline', '--public-key', issuerDid.slice(8)])).code).toBe(0);
    const pinned = await cli(['credential', 'verify', vcFile, '--offline', '--public-key', VECTOR_KEY, '--json']);
    expect(json(pinned.stdout)).toMatchObject({ verified: false, code: 'VC_ISSUER_MISMATCH' });
    // One character of the GTIN changed: the proof no longer verifies.
    writeFileSync(join(dir, 'tampered.json'), readFileSync(vcFile, 'utf8').replace('00012345600012', '00012345600029'));
    const tampered = await cli(['credential', 'verify', join(dir, 'tampered.json'), '--offline', '--json']);
    expect(tampered.code).toBe(1);
    expect(json(tampered.stdout)).toMatchObject({ verified: false, code: 'PROOF_INVALID_SIGNATURE' });
    // After its validUntil it is expired.
    const late = await cli(['credential', 'verify', vcFile, '--offline', '--at', '2100-01-01', '--json']);
    expect(json(late.stdout)).toMatchObject({ verified: false, code: 'VC_EXPIRED' });
  });

  it('refuses bad flags before signing: a license that is not an id (2), a bad LEI or role (1, with the code), a bad date (2)', async () => {
    const args = (overrides: Record<string, string>) => {
      const flags: Record<string, string> = { '--key': keyFile, '--license': LICENSE_ID, '--lei': WALMART, '--role': 'retailer', '--gtin': '00012345600012', '--valid-until': '2099-12-31', ...overrides };
      return ['credential', 'issue', ...Object.entries(flags).flat(), '--dry-run'];
    };
    expect((await cli(args({ '--license': 'abc' }))).code).toBe(2);
    const lei = await cli(args({ '--lei': 'Y87794H0US1R65VBXU26' }));
    expect(lei.code).toBe(1);
    expect(lei.stderr).toMatch(/^error VC_SUBJECT_INVALID \(credentialSubject\.lei\): /);
    const role = await cli(args({ '--role': 'broker' }));
    expect(role.stderr).toMatch(/^error VC_SUBJECT_INVALID \(credentialSubject\.role\): /);
    expect((await cli(args({ '--valid-until': '31/12/2099' }))).code).toBe(2);
    const order = await cli(args({ '--valid-from': '2099-12-31', '--valid-until': '2099-01-01' }));
    expect(order.code).toBe(1);
    expect(order.stderr).toMatch(/^error VC_VALIDITY_ORDER /);
  });

  it('submits credential-issue to the node with the credential inline (or, --no-inline, its hash only)', async () => {
    posted.length = 0;
    const run = await cli(['credential', 'issue', '--key', keyFile, '--license', LICENSE_ID, '--lei', WALMART, '--role', 'retailer', '--gtin', '00012345600012', '--valid-until', '2099-12-31', '--out', vcFile, '--node', apiUrl, '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(json(run.stdout)).toMatchObject({ kind: 'credential-issue', status: 'accepted' });
    const vc = JSON.parse(readFileSync(vcFile, 'utf8')) as Record<string, unknown>;
    expect(posted).toHaveLength(1);
    expect(posted[0]?.kind).toBe('credential-issue');
    expect(posted[0]?.payload).toMatchObject({ credentialHash: toHex(licenseCredentialHash(vc)), issuer: issuerDid, subject: { lei: WALMART, role: 'retailer' }, license: LICENSE_ID, gtins: ['00012345600012'], validUntil: '2099-12-31T23:59:59Z' });
    expect(JSON.parse(posted[0]?.payload['credential'] as string)).toEqual(vc);
    const hashOnly = await cli(['credential', 'issue', '--key', keyFile, '--license', LICENSE_ID, '--lei', WALMART, '--role', 'retailer', '--gtin', '00012345600012', '--valid-until', '2099-12-31', '--no-inline', '--node', apiUrl]);
    expect(hashOnly.code).toBe(0);
    expect(hashOnly.stdout).toContain('recorded:');
    expect(hashOnly.stdout).toContain('\ncredential:\n{');
    expect(posted[1]?.payload['credential']).toBeUndefined();
  });

  it('verifies online with the ledger\'s judgment: recorded and valid, revoked, not recorded, an old node', async () => {
    const hash = toHex(licenseCredentialHash(JSON.parse(readFileSync(vcFile, 'utf8'))));
    const evidence = { credentialId: 'b2'.repeat(32), credentialHash: hash, issuerLei: '787RXPR0UX0O0XUXPZ81', licenseId: LICENSE_ID, standing: 'active', verified: true };
    listed = [{ ...evidence, credentialHash: 'c3'.repeat(32) }, evidence];
    entryLineQueries.length = 0;
    const ok = await cli(['credential', 'verify', vcFile, '--node', apiUrl, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(json(ok.stdout)).toMatchObject({ verified: true, offline: false, ledger: { credentialId: evidence.credentialId } });
    expect(entryLineQueries[0]).toMatch(new RegExp(`importerLei=${WALMART}&gtin=00012345600012&date=`));
    listed = [{ ...evidence, verified: false, standing: 'revoked', reason: 'REVOKED', revocation: { txId: 'd4'.repeat(32), atMs: 1 } }];
    const revoked = await cli(['credential', 'verify', vcFile, '--node', apiUrl]);
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toMatch(new RegExp(`^error CREDENTIAL_REVOKED \\(ledger\\): .*revoked by ${'d4'.repeat(32)}`));
    listed = [];
    const missing = await cli(['credential', 'verify', vcFile, '--node', apiUrl, '--json']);
    expect(json(missing.stdout)).toMatchObject({ verified: false, code: 'CREDENTIAL_NOT_RECORDED' });
    listed = undefined;
    const old = await cli(['credential', 'verify', vcFile, '--node', apiUrl]);
    expect(old.code).toBe(1);
    expect(old.stderr).toMatch(/^error LEDGER_STATUS_UNAVAILABLE: /);
    listed = [];
  });

  it('revokes by id or hash, and refuses a reference that is not 64 hex', async () => {
    posted.length = 0;
    const run = await cli(['credential', 'revoke', 'e5'.repeat(32), '--reason', 'agreement ended', '--key', keyFile, '--node', apiUrl, '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(json(run.stdout)).toMatchObject({ kind: 'credential-revoke', status: 'accepted', credential: 'e5'.repeat(32), issuer: issuerDid });
    expect(posted).toEqual([{ kind: 'credential-revoke', payload: { credential: 'e5'.repeat(32), reason: 'agreement ended' } }]);
    const bad = await cli(['credential', 'revoke', 'E5', '--reason', 'x', '--key', keyFile, '--node', apiUrl]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error ID_FORMAT \(credential\): /);
  });
});
