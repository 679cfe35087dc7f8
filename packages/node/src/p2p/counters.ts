// Counters of the p2p layer: monotonically increasing numbers keyed by a name and a few labels
// (protocol, direction, code), kept in memory. The metrics module maps a snapshot onto
// Prometheus counters (`tradeledger_p2p_<name>_total{protocol=…}`); this module knows nothing
// of Prometheus. The number of distinct keys is bounded by the registered protocols, the
// three gater directions and the fixed error codes below.

export type P2PCounterName =
  /** Frames received and passed to a handler (labels: protocol). */
  | 'frames_in'
  /** Frames written to a stream (labels: protocol). */
  | 'frames_out'
  /** Frames that were not one msgpack value of the protocol's shape, or were cut short (protocol). */
  | 'frames_malformed'
  /** Frames whose length prefix exceeded the protocol's limit (protocol). */
  | 'frames_oversized'
  /** Inbound streams that ended in a transport error: reset, timeout (protocol). */
  | 'stream_errors'
  /** One-way sends dropped: peer not connected (protocol). */
  | 'oneway_dropped_unconnected'
  /** One-way sends dropped: the per-peer queue was full (protocol). */
  | 'oneway_dropped_queue_full'
  /** One-way frames dropped because their stream failed, stalled or could not be opened (protocol). */
  | 'oneway_dropped_stream_failure'
  /** onMessage or request handlers that threw or timed out (protocol). */
  | 'handler_errors'
  /** Requests sent (protocol). */
  | 'requests_out'
  /** Requests that failed on this side, by error code (protocol, code). */
  | 'request_failures'
  /** Requests served (protocol). */
  | 'requests_served'
  /** Connections refused by the gater (direction: dial | inbound | outbound). */
  | 'gater_refused'
  /** Connections closed because their peer left the allow-list. */
  | 'disconnected_not_allowed'
  /** Dial attempts by the reconnect loop, first attempts included. */
  | 'reconnect_attempts'
  /** Of those, the attempts that failed. */
  | 'reconnect_failures';

export interface P2PCounterLabels {
  readonly protocol?: string;
  readonly direction?: 'dial' | 'inbound' | 'outbound';
  readonly code?: string;
}

export interface P2PCounterSample {
  readonly name: P2PCounterName;
  readonly labels: P2PCounterLabels;
  readonly value: number;
}

export class P2PCounters {
  private readonly values = new Map<string, { name: P2PCounterName; labels: P2PCounterLabels; value: number }>();

  inc(name: P2PCounterName, labels: P2PCounterLabels = {}, by = 1): void {
    if (!Number.isSafeInteger(by) || by < 0) throw new Error(`assert: counter ${name} incremented by ${by}`);
    const key = counterKey(name, labels);
    const entry = this.values.get(key);
    if (entry === undefined) this.values.set(key, { name, labels: { ...labels }, value: by });
    else entry.value += by;
  }

  /** The value for exactly these labels (0 when never incremented). */
  get(name: P2PCounterName, labels: P2PCounterLabels = {}): number {
    return this.values.get(counterKey(name, labels))?.value ?? 0;
  }

  /** The sum over every label set of `name`. */
  total(name: P2PCounterName): number {
    let sum = 0;
    for (const entry of this.values.values()) if (entry.name === name) sum += entry.value;
    return sum;
  }

  snapshot(): P2PCounterSample[] {
    return [...this.values.values()]
      .map((entry) => ({ name: entry.name, labels: { ...entry.labels }, value: entry.value }))
      .sort((a, b) => counterKey(a.name, a.labels).localeCompare(counterKey(b.name, b.labels)));
  }
}

function counterKey(name: string, labels: P2PCounterLabels): string {
  return `${name}|${labels.protocol ?? ''}|${labels.direction ?? ''}|${labels.code ?? ''}`;
}
