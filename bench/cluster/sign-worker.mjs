// A signing thread of the cluster bench (see sign-pool.mjs): builds and signs the documents of the
// signers it is given, from the nonces it is given, and posts the signed bytes back.
import { parentPort, workerData } from 'node:worker_threads';
import { DocumentFactory } from './documents.mjs';

const factory = new DocumentFactory(workerData);
parentPort.on('message', ({ jobId, jobs }) => {
  // slice(): an exact-size buffer of its own, so the transfer moves only this transaction's bytes.
  const results = jobs.map(({ signer, nonceBefore, count }) => factory.sign({ ...signer, nonce: nonceBefore }, count).map((tx) => ({ ...tx, bytes: tx.bytes.slice() })));
  const transfer = results.flatMap((txs) => txs.map((tx) => tx.bytes.buffer));
  parentPort.postMessage({ jobId, results }, transfer);
});
