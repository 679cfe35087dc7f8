// Transaction encode and decode with a 1.5 KiB payload.
//   tx-encode  encodeTx: field checks, canonical normalization (sorted keys), msgpackr pack, copy
//   tx-decode  decodeTx: size check, canonical scan, msgpackr unpack, re-encode comparison, field
//              checks, SHA-256 id and the signing hash (everything but the signature check)
// Baselines, measured in the same run: plain msgpackr pack of the same transaction object, and
// plain msgpackr unpack of the same bytes.
import { createRequire } from 'node:module';
import { decodeTx, encodeTx, publicKeyFromSeed, signTx } from '@tradeledger/ledger';
import { measureRate, row } from '../lib/measure.mjs';

// msgpackr is the ledger's dependency, not the root's: load the copy the ledger itself resolves.
const { pack, unpack } = createRequire(import.meta.resolve('@tradeledger/ledger'))('msgpackr');

function payload() {
  const lines = Array.from({ length: 8 }, (_, i) => ({
    line: i + 1,
    hsCode: `8471.30.${String(10 + i).padStart(2, '0')}`,
    description: `Portable automatic data processing machine, model TL-${1000 + i}`,
    quantity: 40 + i * 3,
    unit: 'NMB',
    valueCents: 129_900 * (i + 1),
    originCountry: i % 2 === 0 ? 'MX' : 'US',
  }));
  return {
    documentType: 'certificate-of-origin',
    agreement: 'USMCA',
    certifier: { role: 'exporter', lei: '5493001KJTIIGC8Y1R12', name: 'Example Exports S.A. de C.V.' },
    importer: { lei: '529900T8BM49AURSDO55', name: 'Example Imports Inc.' },
    blanketPeriod: { from: '2026-01-01', to: '2026-12-31' },
    lines,
    attachmentHash: new Uint8Array(32).fill(7),
  };
}

export async function run({ quick = false } = {}) {
  const seed = new Uint8Array(32).fill(9);
  const signed = signTx({ version: 1, chainId: 'bench-core', kind: 'document.submit', payload: payload(), signer: publicKeyFromSeed(seed), nonce: 12, timestamp: 1_767_225_600_000 }, seed);
  const { tx, bytes } = signed;
  const payloadBytes = bytes.length - encodeTx({ ...tx, payload: null }).length + 1;
  if (payloadBytes < 1400 || payloadBytes > 1700) throw new Error(`bench setup: payload is ${payloadBytes} bytes, expected about 1.5 KiB`);
  const iterations = quick ? 2000 : 10000;
  const runs = quick ? 3 : 5;
  const plain = { ...tx };

  const rawPack = await measureRate((n) => {
    for (let i = 0; i < n; i++) pack(plain);
  }, { iterations, runs });
  const encode = await measureRate((n) => {
    for (let i = 0; i < n; i++) encodeTx(tx);
  }, { iterations, runs });
  const rawUnpack = await measureRate((n) => {
    for (let i = 0; i < n; i++) unpack(bytes);
  }, { iterations, runs });
  const decode = await measureRate((n) => {
    for (let i = 0; i < n; i++) decodeTx(bytes);
  }, { iterations, runs });

  const size = `${(bytes.length / 1024).toFixed(1)} KiB tx`;
  return [row('tx-encode', encode, rawPack, `txs/s (${size})`), row('tx-decode', decode, rawUnpack, `txs/s (${size})`)];
}
