import { describe, expect, it } from 'vitest';
import { parseNonce, timeNonceSource } from '../src/nonce.js';

describe('time-based nonces', () => {
  it('follow the clock in microseconds and never repeat or go back, even when the clock does', () => {
    const clock = [1_000, 1_000, 999, 5_000, 4_000];
    const source = timeNonceSource(() => clock.shift() as number);
    expect([source.next(), source.next(), source.next(), source.next(), source.next()]).toEqual([1_000, 1_001, 1_002, 5_000, 5_001]);
  });

  it('default to the current time in microseconds, below 2^53', () => {
    const before = Date.now() * 1000;
    const nonce = timeNonceSource().next();
    expect(nonce).toBeGreaterThanOrEqual(before - 1000);
    expect(nonce).toBeLessThan(Date.now() * 1000 + 1000);
    expect(Number.isSafeInteger(nonce)).toBe(true);
  });

  it('refuse a source that leaves the safe integers', () => {
    const source = timeNonceSource(() => Number.MAX_SAFE_INTEGER);
    expect(source.next()).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => source.next()).toThrow(expect.objectContaining({ code: 'NONCE_RANGE' }));
  });

  it('parse --nonce as a plain decimal safe integer only', () => {
    expect(parseNonce('0')).toBe(0);
    expect(parseNonce('9007199254740991')).toBe(9007199254740991);
    for (const bad of ['-1', '01', '1e3', '1.5', '', ' 1', '9007199254740992', '0x10']) {
      expect(() => parseNonce(bad), bad).toThrow(expect.objectContaining({ code: 'NONCE_FORMAT', exitCode: 2 }));
    }
  });
});
