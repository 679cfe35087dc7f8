// One load generator for every system the cluster bench drives (tradeledger nodes, etcd members):
// pre-built requests go out over keep-alive HTTP/1.1 connections (node:http, one agent per target
// node), and the outcome of each is classified as ok or an error code.
//
// Two modes:
// - closed loop: C clients ("lanes"), each sending its next request when the previous one is
//   answered (for tradeledger: committed). Finds the maximum committed rate at that concurrency.
// - open loop: requests scheduled at a fixed offered rate, each sent at its time whether or not
//   earlier ones were answered; latency runs from the scheduled send time, so a stall is charged to
//   every request it delays (no coordinated omission).
// Both exclude a warm-up from the figures and count only completions inside the measured window.
//
// Owns: request sending, timing, percentiles. Must never: build or sign requests (callers do that
// ahead of the run), or hold more than `maxInflight` requests of an open-loop run in flight.
import http from 'node:http';

/** An answer not received in this time counts as an error (CLIENT_TIMEOUT). */
const REQUEST_TIMEOUT_MS = 30_000;
/** How long an open-loop run waits after its last scheduled send for answers still in flight. */
const DRAIN_TIMEOUT_MS = 15_000;
/**
 * Idle sockets are closed after this long, before the server closes them. A node's API announces
 * `Keep-Alive: timeout=5` and Node 20 closes an idle connection about a second later; Node's
 * http.Agent ignores that hint unless it has a timeout of its own, so a socket reused just as the
 * server closed it failed with ECONNRESET (nodejs/node#47130). Measured with a plain Node 20
 * server: 256 sockets reused after 5.99-6.00 s idle, 137-154 resets without this timeout, none
 * with it. The large-ledger fill, whose clients all sit idle while the next chunk is signed,
 * counted 18-149 resets in some chunks. The timeout is set on a socket when it goes back to the
 * pool, where the Agent closes a socket that times out; a request sets its own timeout when it
 * takes the socket. (The Agent's `timeout` option would also apply while a new socket connects,
 * failing a connection that waits 4 s in a full accept queue.)
 */
const IDLE_SOCKET_MS = 4_000;

export class HttpTarget {
  /**
   * @param {string[]} urls one base URL per node (http://127.0.0.1:port)
   * @param {(answer: { status: number, text: string }) => { ok: boolean, code?: string }} classify
   */
  /** maxSockets per node: below the node's API_MAX_CONNECTIONS (1024), leaving room for the bench's own status and metrics reads; requests beyond it wait in the agent's queue (and that wait counts in their latency). */
  constructor(urls, { path, headers, classify, maxSockets = 512 }) {
    this.nodes = urls.map((url) => {
      const u = new URL(url);
      const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
      agent.on('free', (socket) => socket.setTimeout(IDLE_SOCKET_MS));
      return { host: u.hostname, port: Number(u.port), agent };
    });
    this.path = path;
    this.headers = headers;
    this.classify = classify;
  }

  /** Sends `body` to node `nodeIndex`; resolves (never rejects) with { ok, code }. */
  send(nodeIndex, body) {
    const node = this.nodes[nodeIndex % this.nodes.length];
    return new Promise((resolve) => {
      const request = http.request({ agent: node.agent, host: node.host, port: node.port, path: this.path, method: 'POST', headers: { ...this.headers, 'content-length': body.length } }, (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => {
          try {
            resolve(this.classify({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          } catch (error) {
            resolve({ ok: false, code: `BAD_ANSWER` });
          }
        });
        response.on('error', (error) => resolve({ ok: false, code: error.code ?? 'NETWORK' }));
      });
      request.setTimeout(REQUEST_TIMEOUT_MS, () => request.destroy(Object.assign(new Error('timeout'), { code: 'CLIENT_TIMEOUT' })));
      request.on('error', (error) => resolve({ ok: false, code: error.code ?? 'NETWORK' }));
      request.end(body);
    });
  }

  close() {
    for (const node of this.nodes) node.agent.destroy();
  }
}

/** p50 / p95 / p99 / max (and mean) of latencies in milliseconds. */
export function percentiles(latenciesMs) {
  if (latenciesMs.length === 0) return { count: 0, p50: null, p95: null, p99: null, max: null, mean: null };
  const sorted = Float64Array.from(latenciesMs).sort();
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  let sum = 0;
  for (const v of sorted) sum += v;
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1], mean: sum / sorted.length };
}

class Tally {
  constructor(windowStartMs, windowEndMs) {
    this.windowStartMs = windowStartMs;
    this.windowEndMs = windowEndMs;
    this.latencies = [];
    this.ok = 0;
    this.errors = {};
    this.errorsOutsideWindow = 0;
  }

  record(scheduledMs, doneMs, outcome) {
    if (doneMs < this.windowStartMs || doneMs > this.windowEndMs) {
      if (!outcome.ok) this.errorsOutsideWindow++;
      return;
    }
    if (outcome.ok) {
      this.ok++;
      this.latencies.push(doneMs - scheduledMs);
    } else {
      this.errors[outcome.code] = (this.errors[outcome.code] ?? 0) + 1;
    }
  }

  result() {
    const windowSec = (this.windowEndMs - this.windowStartMs) / 1000;
    return { committedPerSec: this.ok / windowSec, committed: this.ok, windowSec, latencyMs: percentiles(this.latencies), errors: this.errors, errorsOutsideWindow: this.errorsOutsideWindow };
  }
}

/**
 * Closed loop: each lane `{ node, items, refill }` sends its items one after another (each after
 * the previous answer) until `warmupMs + durationMs` have passed. `refill(count)` signs more when a
 * lane runs out (counted in `refills`: it should stay 0, since signing is not what is measured).
 */
export async function closedLoop(target, lanes, { warmupMs, durationMs }) {
  const startMs = performance.now();
  // The measured window on the monotonic clock CPU profiles use (for --profile).
  const startUs = Number(process.hrtime.bigint() / 1000n);
  const windowUs = { fromUs: startUs + warmupMs * 1000, toUs: startUs + (warmupMs + durationMs) * 1000 };
  const tally = new Tally(startMs + warmupMs, startMs + warmupMs + durationMs);
  const endMs = startMs + warmupMs + durationMs;
  let refills = 0;
  const run = async (lane) => {
    let next = 0;
    while (performance.now() < endMs) {
      if (next >= lane.items.length) {
        lane.items = lane.refill(64);
        next = 0;
        refills++;
      }
      const item = lane.items[next++];
      const sentMs = performance.now();
      const outcome = await target.send(lane.node, item.bytes);
      tally.record(sentMs, performance.now(), outcome);
    }
  };
  await Promise.all(lanes.map(run));
  return { ...tally.result(), clients: lanes.length, refills, windowUs };
}

/**
 * Open loop: `items[i]` (`{ node, bytes }`) is sent at `start + i / ratePerSec` seconds. The first
 * `warmupMs` of the schedule are not measured. Returns the achieved committed rate (answers in the
 * measured window) and latency from the scheduled time of each request.
 */
export async function openLoop(target, items, { ratePerSec, warmupMs, maxInflight = 20_000 }) {
  const intervalMs = 1000 / ratePerSec;
  const startMs = performance.now() + 20;
  const scheduleEndMs = startMs + items.length * intervalMs;
  // Window: scheduled times after the warm-up; answers count by scheduled time, so the window is
  // the schedule's, and what the system could not answer in time shows up as latency or errors.
  const tally = new Tally(startMs + warmupMs, Number.POSITIVE_INFINITY);
  let inflight = 0;
  let maxSeenInflight = 0;
  let skipped = 0;
  let answered = 0;
  let okDoneInWindow = 0;
  const pending = new Set();
  let next = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next < items.length && startMs + next * intervalMs <= now) {
        const scheduledMs = startMs + next * intervalMs;
        const item = items[next++];
        if (inflight >= maxInflight) {
          skipped++;
          if (scheduledMs >= tally.windowStartMs) tally.errors.CLIENT_INFLIGHT_LIMIT = (tally.errors.CLIENT_INFLIGHT_LIMIT ?? 0) + 1;
          continue;
        }
        inflight++;
        if (inflight > maxSeenInflight) maxSeenInflight = inflight;
        const promise = target.send(item.node, item.bytes).then((outcome) => {
          inflight--;
          answered++;
          // Recorded by scheduled time: a request belongs to the window it was due in.
          if (scheduledMs >= tally.windowStartMs) {
            if (outcome.ok) {
              const doneMs = performance.now();
              tally.ok++;
              tally.latencies.push(doneMs - scheduledMs);
              if (doneMs <= scheduleEndMs) okDoneInWindow++;
            } else tally.errors[outcome.code] = (tally.errors[outcome.code] ?? 0) + 1;
          }
          pending.delete(promise);
        });
        pending.add(promise);
      }
      if (next < items.length) {
        const wait = Math.max(0, startMs + next * intervalMs - performance.now());
        setTimeout(tick, Math.min(wait, 1));
      } else resolve();
    };
    setTimeout(tick, 0);
  });
  const drainDeadline = performance.now() + DRAIN_TIMEOUT_MS;
  while (pending.size > 0 && performance.now() < drainDeadline) await Promise.race([...pending, new Promise((resolve) => setTimeout(resolve, 100))]);
  const unanswered = pending.size;
  const lastAnswerMs = performance.now();
  const windowSec = (scheduleEndMs - (startMs + warmupMs)) / 1000;
  const measured = items.length - Math.ceil(warmupMs / intervalMs);
  const errors = { ...tally.errors, ...(unanswered > 0 ? { UNANSWERED_AFTER_DRAIN: unanswered } : {}) };
  return {
    offeredPerSec: ratePerSec,
    // Answers that arrived while the schedule ran (the rate the system kept up with) …
    committedPerSec: okDoneInWindow / windowSec,
    // … and of the requests due in the window, those committed at all (however late).
    committed: tally.ok,
    measured,
    windowSec,
    latencyMs: percentiles(tally.latencies),
    errors,
    maxInflight: maxSeenInflight,
    skipped,
    drainSec: (lastAnswerMs - scheduleEndMs) / 1000,
  };
}
