// Signs the load ahead of each run on every core (before the run, while the nodes are idle), so the
// figures measure the ledger and not the client's signing. Nonces are handed out here, in the main
// thread, so each signer's transactions stay in one strictly increasing sequence across the pool.
//
// Owns: the signing threads. Must never: run while a measurement runs (callers sign, then measure).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

export class SignPool {
  constructor(factoryOptions, threads = availableParallelism()) {
    this.workers = Array.from({ length: threads }, () => new Worker(new URL('./sign-worker.mjs', import.meta.url), { workerData: factoryOptions }));
    this.nextJobId = 0;
    this.waiting = new Map();
    for (const worker of this.workers) {
      worker.on('message', ({ jobId, results }) => {
        const done = this.waiting.get(jobId);
        this.waiting.delete(jobId);
        done?.resolve(results);
      });
      worker.on('error', (error) => {
        for (const waiter of this.waiting.values()) waiter.reject(error);
        this.waiting.clear();
      });
    }
  }

  /**
   * Signs `count` transactions for each `{ signer, count }`, in nonce order per signer (the
   * signer's nonce advances by `count`); resolves with one array of { bytes, idHex, kind } per job.
   */
  async sign(requests) {
    const shares = this.workers.map(() => ({ jobs: [], total: 0, slots: [] }));
    requests.forEach(({ signer, count }, index) => {
      const share = shares.reduce((least, s) => (s.total < least.total ? s : least));
      const { seed, publicKey, name, orgName, lei, roles } = signer;
      share.jobs.push({ signer: { seed, publicKey, name, orgName, lei, roles }, nonceBefore: signer.nonce, count });
      share.slots.push(index);
      share.total += count;
      signer.nonce += count;
    });
    const out = new Array(requests.length);
    await Promise.all(
      shares.map(async (share, w) => {
        if (share.jobs.length === 0) return;
        const jobId = this.nextJobId++;
        const results = await new Promise((resolve, reject) => {
          this.waiting.set(jobId, { resolve, reject });
          this.workers[w].postMessage({ jobId, jobs: share.jobs });
        });
        results.forEach((txs, k) => {
          out[share.slots[k]] = txs;
        });
      }),
    );
    return out;
  }

  async close() {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
