// Transaction kinds: the only place where a transaction's `kind` gets a meaning. tx.ts treats
// kind and payload as opaque; a kind registered here checks its payload's schema and returns the
// typed payload, or a rejection as data (never a throw) so the state machine can record it.
// Bounded at TX_KIND_REGISTRY_MAX_KINDS kinds; a kind name is registered once.

import { TX_KIND_MAX_CHARS, TX_KIND_REGISTRY_MAX_KINDS } from './constants.js';
import { assert, LedgerError, reject, type Result } from './errors.js';
import { TX_KIND_PATTERN } from './tx.js';

export interface TxKind<P> {
  readonly kind: string;
  /** Schema check of a decoded payload: the typed payload, or a rejection naming the field. */
  parse(payload: unknown): Result<P>;
}

export class TxKindRegistry {
  private readonly byKind = new Map<string, TxKind<unknown>>();

  register(k: TxKind<unknown>): void {
    if (typeof k.kind !== 'string' || k.kind.length === 0 || k.kind.length > TX_KIND_MAX_CHARS || !TX_KIND_PATTERN.test(k.kind)) {
      throw new LedgerError('TX_KIND_INVALID', `kind: expected 1-${TX_KIND_MAX_CHARS} characters of [A-Za-z0-9._:/-], got ${JSON.stringify(String(k.kind))}`, { field: 'kind' });
    }
    if (this.byKind.has(k.kind)) throw new LedgerError('TX_KIND_DUPLICATE', `kind: ${JSON.stringify(k.kind)} is already registered`, { field: 'kind' });
    if (this.byKind.size >= TX_KIND_REGISTRY_MAX_KINDS) {
      throw new LedgerError('TX_KIND_REGISTRY_FULL', `kind: the registry holds at most ${TX_KIND_REGISTRY_MAX_KINDS} kinds`, { field: 'kind' });
    }
    this.byKind.set(k.kind, k);
    assert(this.byKind.size <= TX_KIND_REGISTRY_MAX_KINDS, 'registry within its cap');
  }

  get(kind: string): TxKind<unknown> | undefined {
    return this.byKind.get(kind);
  }

  /** Registered kind names in ascending order (deterministic, whatever the registration order). */
  kinds(): string[] {
    return [...this.byKind.keys()].sort();
  }

  /** The payload parsed by its kind, or TX_KIND_UNKNOWN for a kind nobody registered. */
  parse(kind: string, payload: unknown): Result<unknown> {
    const k = this.byKind.get(kind);
    if (k === undefined) return reject('TX_KIND_UNKNOWN', `tx.kind: ${JSON.stringify(kind)} is not a registered kind`, 'tx.kind');
    return k.parse(payload);
  }
}
