import { describe, expect, it } from 'vitest';
import { TX_KIND_REGISTRY_MAX_KINDS } from '../src/constants.js';
import { ok, reject, type Result } from '../src/errors.js';
import { TxKindRegistry, type TxKind } from '../src/tx-kind-registry.js';

interface Transfer { readonly to: string; readonly amount: number }

const transfer: TxKind<Transfer> = {
  kind: 'test.transfer',
  parse(payload: unknown): Result<Transfer> {
    if (typeof payload !== 'object' || payload === null) return reject('PAYLOAD_INVALID', 'payload: expected a map', 'payload');
    const { to, amount } = payload as Record<string, unknown>;
    if (typeof to !== 'string') return reject('PAYLOAD_INVALID', 'payload.to: expected a string', 'payload.to');
    if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) return reject('PAYLOAD_INVALID', 'payload.amount: expected a positive integer', 'payload.amount');
    return ok({ to, amount });
  },
};

const noop = (kind: string): TxKind<unknown> => ({ kind, parse: (payload) => ok(payload) });

describe('TxKindRegistry', () => {
  it('registers a kind, finds it, and parses payloads to a typed value or a rejection as data', () => {
    const registry = new TxKindRegistry();
    registry.register(transfer);
    expect(registry.get('test.transfer')).toBe(transfer);
    expect(registry.get('test.other')).toBeUndefined();
    expect(registry.parse('test.transfer', { to: 'bob', amount: 5 })).toEqual({ ok: true, value: { to: 'bob', amount: 5 } });
    expect(registry.parse('test.transfer', { to: 'bob', amount: -5 })).toEqual({ ok: false, error: { code: 'PAYLOAD_INVALID', message: 'payload.amount: expected a positive integer', field: 'payload.amount' } });
    expect(registry.parse('test.unknown', {})).toEqual({ ok: false, error: expect.objectContaining({ code: 'TX_KIND_UNKNOWN', field: 'tx.kind' }) });
  });

  it('lists kinds in ascending order whatever the registration order', () => {
    const registry = new TxKindRegistry();
    for (const kind of ['b.two', 'a.one', 'c/three']) registry.register(noop(kind));
    expect(registry.kinds()).toEqual(['a.one', 'b.two', 'c/three']);
  });

  it('refuses duplicates and malformed names with coded errors', () => {
    const registry = new TxKindRegistry();
    registry.register(noop('dup'));
    expect(() => registry.register(noop('dup'))).toThrow(expect.objectContaining({ code: 'TX_KIND_DUPLICATE' }));
    for (const bad of ['', 'has space', 'é', 'x'.repeat(65)]) {
      expect(() => registry.register(noop(bad))).toThrow(expect.objectContaining({ code: 'TX_KIND_INVALID', field: 'kind' }));
    }
    expect(registry.kinds()).toEqual(['dup']);
  });

  it('holds at most TX_KIND_REGISTRY_MAX_KINDS kinds', () => {
    const registry = new TxKindRegistry();
    for (let i = 0; i < TX_KIND_REGISTRY_MAX_KINDS; i++) registry.register(noop(`k${i}`));
    expect(registry.kinds().length).toBe(TX_KIND_REGISTRY_MAX_KINDS);
    expect(() => registry.register(noop('one.more'))).toThrow(expect.objectContaining({ code: 'TX_KIND_REGISTRY_FULL' }));
  });
});
