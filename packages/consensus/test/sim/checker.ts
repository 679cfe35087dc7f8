// The simulator's safety checks, run after every event: election safety (one leader per term),
// log matching (an (index, term) pair names one entry and one predecessor term), leader
// completeness (a leader holds every entry committed in an earlier term), state machine safety
// (committed entries never change; every applied sequence is a prefix of one history) and
// read linearizability (a read index covers every commit known when the read was asked).

import type { Entry, NodeId } from '../../src/index.js';

export class SimViolation extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(`${kind}: ${message}`);
    this.name = 'SimViolation';
  }
}

const decoder = new TextDecoder();

/** A printable identity of an entry's content (sim payloads are short ASCII). */
export function entryKey(entry: Entry): string {
  return `${entry.term}/${entry.type === 'normal' ? 'n' : 'c'}/${decoder.decode(entry.data)}`;
}

export class SafetyChecker {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** (index, term) -> content key and the term of the entry before it. */
  private readonly entries = new Map<string, { key: string; prevTerm: number }>();
  /** The one committed history: terms (from commit indexes) and keys (from applied entries). */
  readonly historyTerm: number[] = [0];
  readonly historyKey: (string | undefined)[] = [undefined];
  /** An upper bound on the term in which index i was committed. */
  private readonly commitTerm: number[] = [0];
  checks = 0;

  leaderCount(): number {
    return this.leaderOfTerm.size;
  }

  committedLength(): number {
    return this.historyTerm.length - 1;
  }

  onLeader(id: NodeId, term: number): void {
    this.checks++;
    const existing = this.leaderOfTerm.get(term);
    if (existing === undefined) this.leaderOfTerm.set(term, id);
    else if (existing !== id) throw new SimViolation('election-safety', `${existing} and ${id} are both leader in term ${term}`);
  }

  /** A node became leader of `term`: it must hold every entry committed in an earlier term. */
  onNewLeader(id: NodeId, term: number, termAt: (index: number) => number | undefined, firstIndex: number): void {
    for (let i = this.committedLength(); i >= 1; i--) {
      if ((this.commitTerm[i] as number) >= term) continue;
      if (i < firstIndex - 1) return;
      const ours = termAt(i);
      if (ours !== this.historyTerm[i]) {
        throw new SimViolation('leader-completeness', `leader ${id} of term ${term} has term ${ours} at ${i}, committed term ${this.historyTerm[i]} (committed by term ${this.commitTerm[i]})`);
      }
      return;
    }
  }

  /**
   * Entries a node persisted, with the term of the entry before the first one and the node's
   * commit index. A follower may well hold an entry that conflicts with the history (from a
   * stale leader) as long as it has not committed that index.
   */
  onPersist(id: NodeId, entries: readonly Entry[], prevTermOfFirst: number, nodeCommit: number): void {
    let prevTerm = prevTermOfFirst;
    for (const entry of entries) {
      this.checks++;
      const key = entryKey(entry);
      const at = `${entry.index}:${entry.term}`;
      const known = this.entries.get(at);
      if (known === undefined) this.entries.set(at, { key, prevTerm });
      else if (known.key !== key || known.prevTerm !== prevTerm) {
        throw new SimViolation('log-matching', `${id} persisted ${key} after term ${prevTerm} at ${at}; another log has ${known.key} after term ${known.prevTerm}`);
      }
      if (entry.index <= nodeCommit && entry.index <= this.committedLength() && this.historyTerm[entry.index] !== entry.term) {
        throw new SimViolation('committed-changed', `${id} persisted term ${entry.term} at index ${entry.index} within its commit ${nodeCommit} (committed term ${this.historyTerm[entry.index]})`);
      }
      prevTerm = entry.term;
    }
  }

  /** A node at `observerTerm` holds commit index >= index with term `term` there. */
  onCommitted(id: NodeId, index: number, term: number, observerTerm: number): void {
    this.checks++;
    if (index < this.historyTerm.length) {
      if (this.historyTerm[index] !== term) {
        throw new SimViolation('committed-changed', `${id} commits term ${term} at ${index}; history has term ${this.historyTerm[index]}`);
      }
      if ((this.commitTerm[index] as number) > observerTerm) this.commitTerm[index] = observerTerm;
      return;
    }
    if (index !== this.historyTerm.length) throw new SimViolation('commit-gap', `${id} commits ${index} with history at ${this.committedLength()}`);
    this.historyTerm.push(term);
    this.historyKey.push(undefined);
    this.commitTerm.push(observerTerm);
  }

  /** A node applied the entry at `index` with content `key`. */
  onApplied(id: NodeId, index: number, key: string): void {
    this.checks++;
    if (index > this.committedLength()) throw new SimViolation('apply-uncommitted', `${id} applied ${key} at ${index} beyond committed ${this.committedLength()}`);
    const known = this.historyKey[index];
    if (known === undefined) {
      if (!key.startsWith(`${this.historyTerm[index]}/`)) throw new SimViolation('state-machine-safety', `${id} applied ${key} at ${index}; committed term is ${this.historyTerm[index]}`);
      this.historyKey[index] = key;
    } else if (known !== key) {
      throw new SimViolation('state-machine-safety', `${id} applied ${key} at ${index}; another node applied ${known}`);
    }
  }
}
