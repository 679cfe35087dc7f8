// A hand-driven cluster for scenario tests and the interaction scripts: nodes with their own
// MemoryRaftStorage, a message queue delivered under test control, and helpers to build the
// logs of the Raft paper's figures. Unlike the simulator, nothing here is random except the
// election timeouts, and the test decides when messages move.

import type { Entry, Message, NodeId, Ready, UnsafeTestingFlags } from '../src/index.js';
import { bootstrapLog, createPrng, MemoryRaftStorage, RawNode } from '../src/index.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface HarnessOptions {
  electionTicks?: number;
  heartbeatTicks?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  maxEntriesPerAppend?: number;
  maxBytesPerAppend?: number;
  maxInflightAppends?: number;
  maxUncommittedBytes?: number;
  unsafe?: UnsafeTestingFlags;
  /** Extra log per node beyond the bootstrap entries: the terms of entries 1+bootstrap, ... */
  logs?: Record<NodeId, readonly number[]>;
  /** Persisted term per node (defaults to the last log term). */
  terms?: Record<NodeId, number>;
}

export class TestNode {
  node: RawNode;
  readonly applied: Entry[] = [];
  readyLog: Ready[] = [];

  constructor(
    readonly id: NodeId,
    readonly storage: MemoryRaftStorage,
    private readonly make: (applied: number) => RawNode,
  ) {
    this.node = make(0);
  }

  restart(): void {
    this.node = this.make(this.applied.length === 0 ? 0 : (this.applied[this.applied.length - 1] as Entry).index);
  }

  appliedData(): string[] {
    return this.applied.filter((e) => e.type === 'normal' && e.data.length > 0).map((e) => decoder.decode(e.data));
  }

  logTerms(): number[] {
    const status = this.node.status();
    const out: number[] = [];
    for (let i = status.firstIndex; i <= status.lastIndex; i++) out.push(this.node.termAt(i) ?? -1);
    return out;
  }
}

export class Harness {
  readonly nodes = new Map<NodeId, TestNode>();
  queue: Message[] = [];
  /** Directed links that drop everything. */
  readonly cut = new Set<string>();
  /** Messages for which this returns true are dropped. */
  dropIf: (m: Message) => boolean = () => false;
  /** Rewrites a message in flight (for example to hold back some entries). */
  transform: (m: Message) => Message = (m) => m;
  /** Every message delivered, in order (for assertions on traffic). */
  readonly delivered: Message[] = [];
  /** Snapshot requests seen, per node. */
  readonly snapshotRequests: { id: NodeId; index: number; from: NodeId }[] = [];
  readonly readStates: { id: NodeId; index: number; context: string }[] = [];

  constructor(
    ids: readonly NodeId[],
    readonly options: HarnessOptions = {},
  ) {
    const boot = bootstrapLog(ids);
    for (const id of ids) {
      const storage = new MemoryRaftStorage();
      const extra = options.logs?.[id] ?? [];
      const entries: Entry[] = [...boot.entries];
      for (const term of extra) {
        const index = entries.length + 1;
        entries.push({ index, term, type: 'normal', data: encoder.encode(`e${index}t${term}`) });
      }
      storage.append(entries);
      const lastTerm = (entries[entries.length - 1] as Entry).term;
      storage.setHardState({ term: options.terms?.[id] ?? lastTerm, vote: null, commit: boot.hardState.commit });
      this.addNode(id, storage);
    }
    // Apply the bootstrap entries, so every node knows the configuration.
    this.stabilize();
  }

  addNode(id: NodeId, storage: MemoryRaftStorage): TestNode {
    const o = this.options;
    let restarts = 0;
    const seedBase = [...id].reduce((h, c) => h * 31 + c.charCodeAt(0), 7) >>> 0;
    const make = (applied: number): RawNode =>
      new RawNode({
        id,
        storage,
        prng: createPrng(seedBase + 1000 * restarts++),
        electionTicks: o.electionTicks ?? 10,
        heartbeatTicks: o.heartbeatTicks ?? 1,
        preVote: o.preVote ?? true,
        checkQuorum: o.checkQuorum ?? true,
        applied,
        ...(o.maxEntriesPerAppend === undefined ? {} : { maxEntriesPerAppend: o.maxEntriesPerAppend }),
        ...(o.maxBytesPerAppend === undefined ? {} : { maxBytesPerAppend: o.maxBytesPerAppend }),
        ...(o.maxInflightAppends === undefined ? {} : { maxInflightAppends: o.maxInflightAppends }),
        ...(o.maxUncommittedBytes === undefined ? {} : { maxUncommittedBytes: o.maxUncommittedBytes }),
        ...(o.unsafe === undefined ? {} : { unsafe: o.unsafe }),
      });
    const node = new TestNode(id, storage, make);
    this.nodes.set(id, node);
    return node;
  }

  get(id: NodeId): TestNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  raw(id: NodeId): RawNode {
    return this.get(id).node;
  }

  /** Processes one node's Ready the way a host must: persist, send, apply, advance. */
  processReady(id: NodeId): Ready | null {
    const t = this.get(id);
    if (!t.node.hasReady()) return null;
    const ready = t.node.ready();
    if (ready.snapshot !== undefined) t.storage.applySnapshot(ready.snapshot);
    t.storage.append(ready.entries);
    if (ready.hardState !== undefined) t.storage.setHardState(ready.hardState);
    this.queue.push(...ready.messages);
    for (const entry of ready.committedEntries) t.applied.push(entry);
    for (const read of ready.readStates) this.readStates.push({ id, index: read.index, context: decoder.decode(read.context) });
    if (ready.snapshotRequest !== undefined) {
      this.snapshotRequests.push({ id, index: ready.snapshotRequest.snapshot.index, from: ready.snapshotRequest.from });
    }
    t.node.advance();
    t.readyLog.push(ready);
    return ready;
  }

  /** Delivers the queued messages once (new ones wait for the next round). */
  deliverQueued(filter: (m: Message) => boolean = () => true): number {
    const batch = this.queue;
    this.queue = [];
    let count = 0;
    for (const m of batch) {
      if (!filter(m)) {
        this.queue.push(m);
        continue;
      }
      if (this.cut.has(`${m.from}>${m.to}`) || this.dropIf(m)) continue;
      const target = this.nodes.get(m.to);
      if (target === undefined) continue;
      const arriving = this.transform(m);
      this.delivered.push(arriving);
      target.node.step(arriving);
      count++;
    }
    return count;
  }

  /** Ready processing and delivery until quiet. */
  stabilize(maxRounds = 1000): void {
    for (let round = 0; round < maxRounds; round++) {
      let busy = false;
      for (const id of this.nodes.keys()) if (this.processReady(id) !== null) busy = true;
      if (this.deliverQueued() > 0) busy = true;
      if (!busy && this.queue.length === 0) return;
    }
    throw new Error(`not stable after ${maxRounds} rounds`);
  }

  campaign(id: NodeId): void {
    this.raw(id).campaign();
    this.stabilize();
  }

  propose(id: NodeId, data: string): { index: number; term: number } {
    const placed = this.raw(id).propose(encoder.encode(data));
    return placed;
  }

  tick(id: NodeId, times: number): void {
    for (let i = 0; i < times; i++) this.raw(id).tick();
  }

  /** Ticks every node `times` times, stabilizing after each tick. */
  tickAll(times: number): void {
    for (let i = 0; i < times; i++) {
      for (const t of this.nodes.values()) t.node.tick();
      this.stabilize();
    }
  }

  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}>${other}`);
      this.cut.add(`${other}>${id}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  leaders(): NodeId[] {
    return [...this.nodes.values()].filter((t) => t.node.status().role === 'leader').map((t) => t.id);
  }
}

export function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

export function text(data: Uint8Array): string {
  return decoder.decode(data);
}
