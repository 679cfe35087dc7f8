// Signed load for multi-process tests and benchmarks: attachment documents (each a distinct
// SHA-256) from an example organization, with nonces from `firstNonce` up.
import { createHash } from 'node:crypto';
import { publicKeyFromSeed, signTx, type DecodedTx } from '@tradeledger/ledger';
import { exampleSigningSeed } from '@tradeledger/node';

export function attachmentTxs(chainId: string, signer: string, count: number, firstNonce: number, label = 'load'): DecodedTx[] {
  const seed = exampleSigningSeed(signer);
  const key = publicKeyFromSeed(seed);
  const out: DecodedTx[] = [];
  for (let i = 0; i < count; i++) {
    const nonce = firstNonce + i;
    const sha256 = createHash('sha256').update(`${label} ${signer} ${nonce}`).digest('hex');
    out.push(signTx({ version: 1, chainId, kind: 'attachment', payload: { sha256, mediaType: 'application/pdf', sizeBytes: 1000 + i, title: `Product guide ${label} ${nonce}`, belongsTo: [] }, signer: key, nonce, timestamp: Date.now() }, seed));
  }
  return out;
}
