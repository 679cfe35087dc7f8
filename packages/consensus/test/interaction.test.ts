// Replays the interaction scripts in packages/consensus/testdata/*.txt (the etcd-raft datadriven
// way): each block is a command, a `----` line and the exact output expected. Run with
// TL_REWRITE=1 to rewrite the expected output after an intended change, then review the diff.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import type { ConfChange, Entry, Message, Ready } from '../src/index.js';
import { ConsensusError, MemoryRaftStorage } from '../src/index.js';
import type { HarnessOptions } from './harness.js';
import { Harness, bytes, text } from './harness.js';

const dir = fileURLToPath(new URL('../testdata/', import.meta.url));
const rewrite = process.env.TL_REWRITE === '1';

interface Block {
  /** Comment lines before the command, kept on rewrite. */
  comments: string[];
  command: string;
  expected: string;
}

function parse(source: string): Block[] {
  const blocks: Block[] = [];
  const lines = source.split('\n');
  let i = 0;
  let comments: string[] = [];
  while (i < lines.length) {
    const line = lines[i] as string;
    if (line.startsWith('#')) comments.push(line);
    if (line.trim() === '' || line.startsWith('#')) {
      i++;
      continue;
    }
    const command = line;
    if (lines[i + 1] !== '----') throw new Error(`line ${i + 2}: expected ---- after "${command}"`);
    i += 2;
    const out: string[] = [];
    while (i < lines.length && (lines[i] as string).trim() !== '') out.push(lines[i++] as string);
    blocks.push({ comments, command, expected: out.join('\n') });
    comments = [];
  }
  return blocks;
}

function render(blocks: readonly (Block & { actual: string })[]): string {
  return blocks.map((b) => `${b.comments.map((c) => `${c}\n`).join('')}${b.command}\n----\n${b.actual}\n`).join('\n');
}

function entry(e: Entry): string {
  const body = e.type === 'confChange' ? `conf(${e.data[1]}:${text(e.data.subarray(2))})` : JSON.stringify(text(e.data));
  return `${e.term}/${e.index} ${body}`;
}

function message(m: Message): string {
  const parts = [`${m.from}->${m.to} ${m.type} term=${m.term}`];
  if (m.type === 'app' || m.type === 'vote' || m.type === 'preVote') parts.push(`log=${m.logTerm}/${m.index}`);
  if (m.type === 'appResp' || m.type === 'readIndexResp') parts.push(`index=${m.index}`);
  if (m.type === 'app' || m.type === 'heartbeat') parts.push(`commit=${m.commit}`);
  if (m.reject) parts.push(`rejected (hint ${m.logTerm}/${m.rejectHint})`);
  if (m.entries.length > 0) parts.push(`entries=[${m.entries.map(entry).join(', ')}]`);
  if (m.snapshot !== undefined) parts.push(`snapshot=${m.snapshot.term}/${m.snapshot.index} voters=${m.snapshot.confState.voters.join(',')}`);
  if (m.context !== undefined) parts.push(`ctx=${text(m.context)}`);
  if (m.transfer === true) parts.push('transfer');
  return parts.join(' ');
}

function readyText(id: string, r: Ready): string[] {
  const out = [`> ${id} ready`];
  if (r.softState) out.push(`  soft: leader=${r.softState.leader ?? '-'} role=${r.softState.role}`);
  if (r.hardState) out.push(`  hard: term=${r.hardState.term} vote=${r.hardState.vote ?? '-'} commit=${r.hardState.commit}`);
  if (r.snapshot) out.push(`  snapshot: ${r.snapshot.term}/${r.snapshot.index}`);
  if (r.entries.length > 0) out.push(`  entries: ${r.entries.map(entry).join(', ')}`);
  if (r.committedEntries.length > 0) out.push(`  committed: ${r.committedEntries.map(entry).join(', ')}`);
  for (const m of r.messages) out.push(`  send: ${message(m)}`);
  for (const rs of r.readStates) out.push(`  read: index=${rs.index} ctx=${text(rs.context)}`);
  if (r.snapshotRequest) out.push(`  fetch: up to ${r.snapshotRequest.snapshot.term}/${r.snapshotRequest.snapshot.index} from ${r.snapshotRequest.from}`);
  return out;
}

class Interpreter {
  h: Harness | null = null;

  private harness(): Harness {
    if (this.h === null) throw new Error('run "nodes" first');
    return this.h;
  }

  private readyRound(ids: readonly string[]): string[] {
    const out: string[] = [];
    for (const id of ids) {
      const r = this.harness().processReady(id);
      if (r !== null) out.push(...readyText(id, r));
    }
    return out;
  }

  private deliver(to?: string): string[] {
    const h = this.harness();
    const before = h.delivered.length;
    h.deliverQueued((m) => to === undefined || m.to === to);
    return h.delivered.slice(before).map((m) => `  recv: ${message(m)}`);
  }

  run(command: string): string {
    const [name, ...args] = command.trim().split(/\s+/);
    const kv = new Map(args.filter((a) => a.includes('=')).map((a) => a.split('=') as [string, string]));
    const pos = args.filter((a) => !a.includes('='));
    const h = this.h;
    try {
      switch (name) {
        case 'nodes': {
          const options: HarnessOptions = {
            preVote: kv.get('prevote') !== 'false',
            checkQuorum: kv.get('checkquorum') !== 'false',
          };
          if (kv.has('max-entries')) options.maxEntriesPerAppend = Number(kv.get('max-entries'));
          if (kv.has('inflight')) options.maxInflightAppends = Number(kv.get('inflight'));
          const logs: Record<string, number[]> = {};
          const terms: Record<string, number> = {};
          for (const [k, v] of kv) {
            if (k.startsWith('log-')) logs[k.slice(4)] = v.split(',').map(Number);
            if (k.startsWith('term-')) terms[k.slice(5)] = Number(v);
          }
          options.logs = logs;
          options.terms = terms;
          this.h = new Harness(pos, options);
          return pos.map((id) => this.statusLine(id)).join('\n');
        }
        case 'campaign':
          this.harness().raw(pos[0] as string).campaign();
          return 'ok';
        case 'tick': {
          const times = Number(pos[1] ?? 1);
          this.harness().tick(pos[0] as string, times);
          return 'ok';
        }
        case 'propose': {
          const placed = this.harness().propose(pos[0] as string, pos[1] ?? '');
          return `index=${placed.index} term=${placed.term}`;
        }
        case 'propose-conf-change': {
          const type = { 'add-learner': 'addLearner', 'add-voter': 'addVoter', remove: 'removeNode' }[pos[1] as string];
          if (type === undefined) throw new Error(`unknown conf change ${pos[1]}`);
          const placed = this.harness().raw(pos[0] as string).proposeConfChange({ type, nodeId: pos[2] } as ConfChange);
          return `index=${placed.index} term=${placed.term}`;
        }
        case 'add-node':
          // A new member's host starts with an empty disk.
          this.harness().addNode(pos[0] as string, new MemoryRaftStorage());
          return 'ok';
        case 'transfer-leader':
          this.harness().raw(pos[0] as string).transferLeader(pos[1] as string);
          return 'ok';
        case 'read-index':
          this.harness().raw(pos[0] as string).readIndex(bytes(pos[1] as string));
          return 'ok';
        case 'process-ready': {
          const out = this.readyRound(pos.length > 0 ? pos : [...this.harness().nodes.keys()]);
          return out.length === 0 ? 'no ready' : out.join('\n');
        }
        case 'deliver-msgs': {
          const out = this.deliver(pos[0]);
          return out.length === 0 ? 'no messages' : out.join('\n');
        }
        case 'stabilize': {
          const out: string[] = [];
          for (let round = 0; round < 100; round++) {
            const ready = this.readyRound([...this.harness().nodes.keys()]);
            const recv = this.deliver();
            out.push(...ready, ...recv);
            if (ready.length === 0 && recv.length === 0) break;
          }
          return out.length === 0 ? 'quiet' : out.join('\n');
        }
        case 'isolate':
          this.harness().isolate(pos[0] as string);
          return 'ok';
        case 'heal':
          this.harness().heal();
          return 'ok';
        case 'restart':
          this.harness().get(pos[0] as string).restart();
          return this.statusLine(pos[0] as string);
        case 'compact': {
          const t = this.harness().get(pos[0] as string);
          const applied = t.node.status().applied;
          t.storage.compact(applied, t.node.confState());
          return `compacted to ${applied}`;
        }
        case 'snapshot-fetched': {
          // The host of pos[0] copies what pos[1] applied up to its compaction point, then reports.
          const t = this.harness().get(pos[0] as string);
          const peer = this.harness().get(pos[1] as string);
          const meta = peer.storage.snapshot();
          const have = t.applied.at(-1)?.index ?? 0;
          for (const e of peer.applied) if (e.index > have && e.index <= meta.index) t.applied.push(e);
          t.node.snapshotFetched(meta);
          return `fetched up to ${meta.term}/${meta.index}`;
        }
        case 'status':
          return pos.map((id) => this.statusLine(id)).join('\n');
        case 'log': {
          const t = this.harness().get(pos[0] as string);
          const s = t.node.status();
          const entries = s.lastIndex >= s.firstIndex ? t.storage.entries(s.firstIndex, Math.min(s.lastIndex, t.storage.lastIndex()) + 1, Infinity) : [];
          return entries.length === 0 ? `empty after ${t.storage.snapshot().term}/${t.storage.snapshot().index}` : entries.map(entry).join('\n');
        }
        case 'applied':
          return `${pos[0]}: ${JSON.stringify(this.harness().get(pos[0] as string).appliedData())}`;
        default:
          throw new Error(`unknown command ${name}`);
      }
    } catch (error) {
      if (error instanceof ConsensusError && h !== null) return `error ${error.code}: ${error.message}`;
      throw error;
    }
  }

  private statusLine(id: string): string {
    const s = this.harness().raw(id).status();
    return `${id}: ${s.role} term=${s.term} vote=${s.vote ?? '-'} leader=${s.leader ?? '-'} commit=${s.commit} applied=${s.applied} last=${s.lastTerm}/${s.lastIndex} voters=${s.confState.voters.join(',')} learners=${s.confState.learners.join(',') || '-'}`;
  }
}

describe('interaction scripts', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
  test('there are scripts to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });
  for (const file of files) {
    test(file, () => {
      const path = join(dir, file);
      const source = readFileSync(path, 'utf8');
      const blocks = parse(source);
      const interpreter = new Interpreter();
      const results = blocks.map((b) => ({ ...b, actual: interpreter.run(b.command) }));
      if (rewrite) {
        writeFileSync(path, render(results));
        return;
      }
      for (const r of results) expect(`${r.command}\n${r.actual}`).toBe(`${r.command}\n${r.expected}`);
    });
  }
});
