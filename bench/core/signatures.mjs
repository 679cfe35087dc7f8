// Ed25519 signing and strict verification, node:crypto and noble side by side.
//   ed25519-sign-node           ledger sign() (node:crypto, private KeyObject of the last seed kept)
//   ed25519-sign-noble          nobleBackend.sign
//   ed25519-verify-node-cached  ledger verify(): strict pre-checks + OpenSSL with a cached KeyObject
//   ed25519-verify-noble        nobleBackend.verify (cofactorless equation on noble points)
// Baselines, measured in the same run on the same 32-byte messages (the size of a signing hash):
// raw crypto.sign with a prepared private KeyObject for the sign rows, raw crypto.verify with a
// prepared public KeyObject for the verify rows.
import { createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import { nobleBackend, publicKeyFromSeed, sign, verify } from '@tradeledger/ledger';
import { measureRate, row } from '../lib/measure.mjs';

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const MESSAGES = 16;

export async function run({ quick = false } = {}) {
  const seed = new Uint8Array(32).map((_, i) => (i * 29 + 3) & 0xff);
  const publicKey = publicKeyFromSeed(seed);
  const privateKeyObject = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const publicKeyObject = createPublicKey(privateKeyObject);
  const messages = Array.from({ length: MESSAGES }, (_, i) => new Uint8Array(32).fill(i + 1));
  const signatures = messages.map((m) => sign(seed, m));
  for (let i = 0; i < MESSAGES; i++) {
    if (!verify(publicKey, messages[i], signatures[i]) || !nobleBackend.verify(publicKey, messages[i], signatures[i])) throw new Error('bench setup: signature does not verify');
  }
  const runs = quick ? 3 : 5;
  const fast = quick ? 1000 : 4000;
  const slow = quick ? 60 : 250;

  const rawSign = await measureRate((n) => {
    for (let i = 0; i < n; i++) cryptoSign(null, messages[i % MESSAGES], privateKeyObject);
  }, { iterations: fast, runs });
  const signNode = await measureRate((n) => {
    for (let i = 0; i < n; i++) sign(seed, messages[i % MESSAGES]);
  }, { iterations: fast, runs });
  const signNoble = await measureRate((n) => {
    for (let i = 0; i < n; i++) nobleBackend.sign(seed, messages[i % MESSAGES]);
  }, { iterations: slow, runs });

  let failures = 0;
  const rawVerify = await measureRate((n) => {
    for (let i = 0; i < n; i++) if (!cryptoVerify(null, messages[i % MESSAGES], publicKeyObject, signatures[i % MESSAGES])) failures++;
  }, { iterations: fast, runs });
  const verifyNode = await measureRate((n) => {
    for (let i = 0; i < n; i++) if (!verify(publicKey, messages[i % MESSAGES], signatures[i % MESSAGES])) failures++;
  }, { iterations: fast, runs });
  const verifyNoble = await measureRate((n) => {
    for (let i = 0; i < n; i++) if (!nobleBackend.verify(publicKey, messages[i % MESSAGES], signatures[i % MESSAGES])) failures++;
  }, { iterations: slow, runs });
  if (failures !== 0) throw new Error(`bench: ${failures} verifications failed`);

  return [
    row('ed25519-sign-node', signNode, rawSign, 'signatures/s'),
    row('ed25519-sign-noble', signNoble, rawSign, 'signatures/s'),
    row('ed25519-verify-node-cached', verifyNode, rawVerify, 'verifications/s'),
    row('ed25519-verify-noble', verifyNoble, rawVerify, 'verifications/s'),
  ];
}
