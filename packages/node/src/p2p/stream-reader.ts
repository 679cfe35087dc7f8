// Reading a libp2p 3 stream to its end without missing the end. `for await (… of stream)`
// listens for 'close' and 'remoteCloseWrite' only from the moment iteration starts; a peer that
// sends its bytes and closes its writable side before the handler runs (while libp2p is still
// negotiating the protocol) leaves such a loop waiting forever on buffered data. This reader
// listens for 'end', which libp2p emits once the remote's writable side is closed AND the
// buffered bytes were delivered, and checks readableEnded when it starts.

import type { Stream } from '@libp2p/interface';

export type ReadOutcome = 'ended' | 'stopped';

/**
 * Passes each chunk to `onChunk` until it returns 'stop' ('stopped'), the remote ends its
 * writable side ('ended'), or the stream is aborted or reset (rejects with that error). An
 * exception from `onChunk` rejects with it and stops reading. Never leaves listeners behind.
 */
export function readStream(stream: Stream, onChunk: (chunk: Uint8Array) => 'more' | 'stop'): Promise<ReadOutcome> {
  return new Promise<ReadOutcome>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: ReadOutcome | Error): void => {
      if (settled) return;
      settled = true;
      stream.removeEventListener('message', onMessage);
      stream.removeEventListener('end', onEnd);
      stream.removeEventListener('close', onClose);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const onMessage = (event: { data: Uint8Array | { subarray(): Uint8Array } }): void => {
      if (settled) return;
      try {
        const bytes = event.data instanceof Uint8Array ? event.data : event.data.subarray();
        if (onChunk(bytes) === 'stop') finish('stopped');
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)));
      }
    };
    const onEnd = (): void => finish('ended');
    const onClose = (event: Event & { error?: Error }): void => {
      if (event.error !== undefined) finish(event.error);
      else if (stream.readableEnded) finish('ended');
      // else: a clean close with bytes still buffered; 'end' follows once they are delivered.
    };
    if (stream.status === 'aborted' || stream.status === 'reset') {
      finish(new Error(`stream was ${stream.status} before it was read`));
      return;
    }
    stream.addEventListener('end', onEnd);
    stream.addEventListener('close', onClose);
    // Adding a 'message' listener makes libp2p deliver anything already buffered (next microtask).
    stream.addEventListener('message', onMessage);
    if (stream.readableEnded && stream.readBufferLength === 0) finish('ended');
  });
}
