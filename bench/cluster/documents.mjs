// The load: realistic trade documents, each distinct, signed ahead of the run so that client
// signing is not measured. Certificates of origin (about 2 KiB: examples/certificate-of-origin.json
// with the signer's organization as certifier and a lot number on every goods line), licenses
// (examples/license.json under the example right, a distinct quantity each), and entry summaries
// (examples/entry.json citing the example certificate and license, a distinct entry number each),
// filed by the broker's and the importer's keys. The example story's right, license, certificate
// and broker designation are submitted first (`setupStory`) so that the references resolve.
//
// Owns: document templates, per-signer nonces (strictly increasing, never reused) and signing.
// Must never: hand out two transactions of one signer to two concurrent clients (`clientSigners`
// gives each client signers of its own).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeTx, resolveExampleRefs, sign, signingHashOf, txIdHex } from '@tradeledger/ledger';
import { exampleSubmissions, readExampleManifest, shiftExampleDates } from '@tradeledger/node';
import { EXAMPLES_DIR } from './network.mjs';

const DAY_MS = 86_400_000;
/** The parts of the example story the load refers to (and what they need), in manifest order. */
const SETUP_NAMES = ['right', 'license', 'certificate-of-origin', 'broker-designation'];
/** Of every 8 clients: 6 file certificates, 1 licenses, 1 entries (while signers of a kind last). */
const KIND_PATTERN = ['certificate', 'certificate', 'certificate', 'license', 'certificate', 'certificate', 'certificate', 'entry'];

function readExample(file) {
  return JSON.parse(readFileSync(join(EXAMPLES_DIR, file), 'utf8'));
}

/** Which document a signer's organization files in the load, or undefined when it files none. */
export function signerKind(signer) {
  if (signer.orgName === 'producer' || signer.orgName.startsWith('bench-producer-')) return 'certificate';
  if (signer.orgName === 'rightsholder') return 'license';
  if (signer.orgName === 'broker' || signer.orgName === 'importer') return 'entry';
  return undefined;
}

/**
 * Submits the example story's parts the load refers to, through `network`, waiting for each to
 * commit; returns their transaction ids by name.
 */
export async function setupStory(network, nowMs = Date.now()) {
  const submissions = exampleSubmissions(EXAMPLES_DIR, { nowMs, stopBefore: 'entry', chainId: network.chainId }).filter((s) => SETUP_NAMES.includes(s.name));
  const ids = {};
  const node = network.nodes[0];
  for (const submission of submissions) {
    const { status, body } = await network.api(node, '/v1/tx?wait=commit&timeoutMs=30000', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: submission.tx.bytes });
    if (status !== 200 || body.result?.ok !== true) throw new Error(`setup ${submission.name}: HTTP ${status} ${JSON.stringify(body).slice(0, 400)}`);
    ids[submission.name] = submission.tx.idHex;
  }
  for (const name of SETUP_NAMES) if (ids[name] === undefined) throw new Error(`setup: the example story has no ${name}`);
  return ids;
}

export class DocumentFactory {
  constructor({ chainId, ids, nowMs = Date.now() }) {
    this.chainId = chainId;
    const manifest = readExampleManifest(EXAMPLES_DIR);
    const days = Math.floor((nowMs - Date.parse(manifest.timestamp)) / DAY_MS);
    const refs = { right: ids.right, license: ids.license, 'certificate-of-origin': ids['certificate-of-origin'], 'license-manufacturer': ids.license };
    this.certificate = shiftExampleDates(readExample('certificate-of-origin.json'), days);
    this.license = resolveExampleRefs(shiftExampleDates(readExample('license.json'), days), refs);
    const entry = resolveExampleRefs(shiftExampleDates(readExample('entry.json'), days), refs);
    // The load's entries cite the importer's license only (the manufacturer's is not in the setup).
    entry.lines = entry.lines.map((line) => ({ ...line, licenses: line.licenses.length === 0 ? [] : [ids.license] }));
    this.entry = entry;
    this.filerCodes = new Map();
  }

  payload(kind, signer, serial) {
    if (kind === 'certificate') {
      const c = this.certificate;
      return {
        ...c,
        certifier: { ...c.certifier, lei: signer.lei },
        goods: c.goods.map((good, i) => ({ ...good, description: `${good.description}, lot ${serial}-${i + 1} from ${signer.name}` })),
      };
    }
    if (kind === 'license') return { ...this.license, maxQuantity: String(serial) };
    if (kind === 'entry') {
      let filer = this.filerCodes.get(signer.name);
      if (filer === undefined) {
        filer = `E${this.filerCodes.size.toString(36).toUpperCase().padStart(2, '0')}`;
        this.filerCodes.set(signer.name, filer);
      }
      const entryNumber = `${filer}-${String(serial % 10_000_000).padStart(7, '0')}-${Math.floor(serial / 10_000_000) % 10}`;
      return { ...this.entry, entryNumber };
    }
    throw new Error(`unknown load kind ${kind}`);
  }

  /**
   * The next transaction of `signer` (its nonce goes up by one), signed now: { bytes, idHex, kind }.
   * The ledger's signTx also re-derives the public key and decodes the result as a check (a third
   * of the time here); the nodes check every byte of it anyway, and the setup's probe
   * (`probeEachKind`) proves that each kind's transactions commit.
   */
  next(signer) {
    const kind = signerKind(signer);
    const nonce = ++signer.nonce;
    const payload = this.payload(kind, signer, nonce);
    const txKind = kind === 'certificate' ? 'certificate-of-origin' : kind;
    const unsigned = { version: 1, chainId: this.chainId, kind: txKind, payload, signer: signer.publicKey, nonce, timestamp: Date.now() };
    const signature = sign(signer.seed, signingHashOf(unsigned));
    const bytes = encodeTx({ ...unsigned, signature });
    return { bytes, idHex: txIdHex(bytes), kind: txKind };
  }

  /** `count` transactions of `signer` in nonce order. */
  sign(signer, count) {
    const out = new Array(count);
    for (let i = 0; i < count; i++) out[i] = this.next(signer);
    return out;
  }
}

/**
 * The load's signers in client order: 6 certificate signers, 1 license signer, 1 entry signer per
 * 8 clients while each kind lasts, then whatever kinds remain.
 */
export function loadSigners(signers) {
  const byKind = new Map([['certificate', []], ['license', []], ['entry', []]]);
  for (const signer of signers) byKind.get(signerKind(signer))?.push(signer);
  const out = [];
  for (let i = 0; out.length < signers.length; i++) {
    const want = KIND_PATTERN[i % KIND_PATTERN.length];
    const pool = byKind.get(want).length > 0 ? byKind.get(want) : [...byKind.values()].find((p) => p.length > 0);
    if (pool === undefined) break;
    out.push(pool.shift());
  }
  return out;
}

/**
 * Submits one transaction of each load kind through a follower-or-leader node and fails unless
 * each commits as valid: the load is only worth measuring if the ledger accepts it.
 */
export async function probeEachKind(network, factory, signers) {
  const sizes = {};
  for (const kind of ['certificate', 'license', 'entry']) {
    const signer = signers.find((s) => signerKind(s) === kind);
    if (signer === undefined) throw new Error(`probe: no ${kind} signer`);
    const tx = factory.next(signer);
    const node = network.nodes[network.nodes.length - 1];
    const { status, body } = await network.api(node, '/v1/tx?wait=commit&timeoutMs=30000', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: tx.bytes });
    if (status !== 200 || body.result?.ok !== true) throw new Error(`probe ${kind} from ${signer.name}: HTTP ${status} ${JSON.stringify(body).slice(0, 400)}`);
    sizes[tx.kind] = tx.bytes.length;
  }
  return sizes;
}
