// The simulated network: every message gets a random delay (so messages reorder), may be
// dropped or duplicated, and is lost if its link is cut when it would arrive. Partitions cut
// directed links, so a partition may be symmetric or asymmetric.

import type { Message, NodeId, Prng } from '../../src/index.js';
import { randomInt, randomUnit } from '../../src/index.js';

export interface NetworkFaults {
  dropRate: number;
  duplicateRate: number;
  /** Delay in time units is 1 + uniform [0, maxExtraDelay]. */
  maxExtraDelay: number;
}

interface InFlight {
  readonly message: Message;
  readonly at: number;
  readonly seq: number;
}

/** At most this many messages in flight; beyond it the network drops (a bounded queue, like a socket buffer). */
export const MAX_IN_FLIGHT_MESSAGES = 20_000;

export class SimNetwork {
  private queue: InFlight[] = [];
  private seq = 0;
  private readonly cut = new Set<string>();
  faults: NetworkFaults = { dropRate: 0, duplicateRate: 0, maxExtraDelay: 0 };
  sent = 0;
  delivered = 0;

  constructor(private readonly prng: Prng) {}

  send(message: Message, now: number): void {
    this.sent++;
    if (this.queue.length >= MAX_IN_FLIGHT_MESSAGES) return;
    if (randomUnit(this.prng) < this.faults.dropRate) return;
    this.enqueue(message, now);
    if (randomUnit(this.prng) < this.faults.duplicateRate) this.enqueue(message, now);
  }

  private enqueue(message: Message, now: number): void {
    const at = now + 1 + randomInt(this.prng, this.faults.maxExtraDelay + 1);
    this.queue.push({ message, at, seq: this.seq++ });
  }

  /** Messages due by `now`, in arrival order; `accept` says whether the receiver can take one now. */
  takeDue(now: number, accept: (to: NodeId) => boolean): Message[] {
    const due: InFlight[] = [];
    const rest: InFlight[] = [];
    for (const item of this.queue) {
      if (item.at <= now && accept(item.message.to)) due.push(item);
      else rest.push(item);
    }
    this.queue = rest;
    due.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const out: Message[] = [];
    for (const item of due) {
      if (this.cut.has(linkKey(item.message.from, item.message.to))) continue;
      out.push(item.message);
    }
    this.delivered += out.length;
    return out;
  }

  /** Drops queued messages to a node that cannot take them (crashed). */
  dropTo(to: NodeId): void {
    this.queue = this.queue.filter((item) => item.message.to !== to);
  }

  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(linkKey(from, to));
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cut.has(linkKey(from, to));
  }

  healAll(): void {
    this.cut.clear();
  }

  inFlight(): number {
    return this.queue.length;
  }
}

function linkKey(from: NodeId, to: NodeId): string {
  return `${from}>${to}`;
}
