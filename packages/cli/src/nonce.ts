// Transaction nonces. The ledger requires a signer's nonces to be strictly increasing (a lower or
// equal one is NONCE_REPLAY), and the CLI keeps no state between runs, so by default a nonce is the
// current time in microseconds since the epoch (about 1.8e15, below 2^53), and never less than one
// above the previous nonce this process handed out. Two submissions by one key in the same
// microsecond from two processes would collide; scripts that submit in parallel pass --nonce.

import { usageError } from './errors.js';

export interface NonceSource {
  next(): number;
}

/** Time-based nonces: max(now in µs, previous + 1). `nowMicros` is injectable for tests. */
export function timeNonceSource(nowMicros: () => number = () => Math.floor((performance.timeOrigin + performance.now()) * 1000)): NonceSource {
  let previous = 0;
  return {
    next(): number {
      const nonce = Math.max(nowMicros(), previous + 1);
      if (!Number.isSafeInteger(nonce)) throw usageError('NONCE_RANGE', `nonce ${nonce} is not a safe integer`, 'nonce');
      previous = nonce;
      return nonce;
    },
  };
}

/** The nonce given with --nonce: a non-negative safe integer in decimal. */
export function parseNonce(text: string): number {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw usageError('NONCE_FORMAT', `--nonce: expected a non-negative integer below 2^53, got ${JSON.stringify(text.slice(0, 40))}`, 'nonce');
  }
  return Number(text);
}
