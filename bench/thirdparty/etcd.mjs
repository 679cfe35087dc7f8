// The peer baseline of the cluster bench: a 3-member etcd cluster on loopback (the Debian package
// etcd-server's `etcd` binary: `apt-get install -y etcd-server`), driven over etcd's HTTP JSON
// gateway (POST /v3/kv/put with base64 key and value) by the same load generator as tradeledger.
// etcd's defaults are kept: every put is committed by a quorum and fsynced in its WAL before the
// answer, like a tradeledger commit.
//
// Owns: finding the binary, configuring and starting the members (free ports, temporary data
// folders), and building put requests. Must never: leave a member running (processes.mjs tracks
// them) or touch an etcd it did not start.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, removeOnExit, spawnTracked, stopChild } from '../cluster/processes.mjs';

/** The etcd binary on PATH (or $ETCD_BIN), with its version; undefined when there is none. */
export function findEtcd() {
  const candidates = [process.env.ETCD_BIN, '/usr/bin/etcd', '/usr/local/bin/etcd'].filter((c) => c !== undefined && c !== '');
  for (const bin of candidates) {
    if (!existsSync(bin)) continue;
    try {
      const text = execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
      const version = /etcd Version: (\S+)/.exec(text)?.[1] ?? 'unknown';
      return { bin, version };
    } catch {
      // not runnable: try the next candidate
    }
  }
  return undefined;
}

export class EtcdCluster {
  constructor(bin, size) {
    this.bin = bin;
    this.size = size;
    this.dir = mkdtempSync(join(tmpdir(), 'tl-bench-etcd-'));
    removeOnExit(this.dir);
    this.members = [];
  }

  static async start(bin, size = 3) {
    const cluster = new EtcdCluster(bin, size);
    await cluster.launch();
    return cluster;
  }

  async launch() {
    for (let i = 0; i < this.size; i++) this.members.push({ name: `m${i + 1}`, client: await freePort(), peer: await freePort(), dataDir: join(this.dir, `m${i + 1}`) });
    const initialCluster = this.members.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(',');
    for (const m of this.members) {
      m.process = spawnTracked(this.bin, [
        '--name', m.name,
        '--data-dir', m.dataDir,
        '--listen-client-urls', `http://127.0.0.1:${m.client}`,
        '--advertise-client-urls', `http://127.0.0.1:${m.client}`,
        '--listen-peer-urls', `http://127.0.0.1:${m.peer}`,
        '--initial-advertise-peer-urls', `http://127.0.0.1:${m.peer}`,
        '--initial-cluster', initialCluster,
        '--initial-cluster-token', `tl-bench-${process.pid}`,
        '--initial-cluster-state', 'new',
        '--logger', 'zap',
        '--log-level', 'warn',
      ]);
      m.url = `http://127.0.0.1:${m.client}`;
    }
    const deadline = Date.now() + 60_000;
    for (const m of this.members) {
      for (;;) {
        if (m.process.exitCode !== null) throw new Error(`etcd ${m.name} exited (${m.process.exitCode}): ${m.process.log.slice(-1500)}`);
        const healthy = await fetch(`${m.url}/health`, { signal: AbortSignal.timeout(2_000) })
          .then(async (r) => (await r.json()).health === 'true')
          .catch(() => false);
        if (healthy) break;
        if (Date.now() > deadline) throw new Error(`etcd ${m.name} not healthy within 60 s: ${m.process.log.slice(-1500)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  get urls() {
    return this.members.map((m) => m.url);
  }

  processes() {
    return this.members.filter((m) => m.process?.exitCode === null).map((m) => ({ name: `etcd-${m.name}`, pid: m.process.pid }));
  }

  async stop() {
    await Promise.all(this.members.map((m) => stopChild(m.process)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Put request bodies: distinct keys, random values of `valueBytes` bytes, base64 as the gateway wants. */
export function etcdPutBodies(count, valueBytes, prefix) {
  const value = randomBytes(valueBytes);
  const out = new Array(count);
  for (let i = 0; i < count; i++) {
    // A distinct value per put as well: the first bytes carry the sequence number.
    value.writeUInt32BE(i >>> 0, 0);
    const key = Buffer.from(`${prefix}/${String(i).padStart(9, '0')}`).toString('base64');
    out[i] = Buffer.from(`{"key":"${key}","value":"${value.toString('base64')}"}`);
  }
  return out;
}

/** An etcd gateway answer: 200 with a header is a committed put; anything else is an error by code. */
export function classifyEtcdPut({ status, text }) {
  if (status === 200 && text.includes('"header"')) return { ok: true };
  let code = `HTTP_${status}`;
  try {
    const body = JSON.parse(text);
    if (typeof body.code === 'number') code = `ETCD_GRPC_${body.code}`;
  } catch {
    // keep the HTTP status as the code
  }
  return { ok: false, code };
}
