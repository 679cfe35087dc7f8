// Free TCP ports on loopback for the local network, chosen below the kernel's ephemeral range
// (32768 and up on Linux) so that outgoing connections of other processes cannot take one between
// this check and the node's bind; every socket is held until all are chosen so no port is handed
// out twice, then released for the nodes. A process also never hands out a port it handed out
// before (until half the range has been handed out): callers that pick one port at a time for one
// network, each released before the next is picked, would otherwise get the same port twice once
// in a few dozen networks (ten ports from 3,000: 1.5%), and one of the two nodes fails to bind.
// If another listener takes a port in that small window, the node fails to start and `dev`
// reports which one.

//
// TL_PORT_RANGE=<low>-<high> narrows the range (inclusive low, exclusive high), so that processes
// started side by side (the test workers, several dev networks) draw from ranges that cannot meet.

import { createServer, type Server } from 'node:net';
import { usageError } from './errors.js';

export const PORT_RANGE_DEFAULT = { low: 20_000, high: 32_000 } as const;

/** The range ports are drawn from: TL_PORT_RANGE when set (checked), else 20000-32000. */
export function portRange(env: NodeJS.ProcessEnv = process.env): { low: number; high: number } {
  const text = env['TL_PORT_RANGE'];
  if (text === undefined || text === '') return PORT_RANGE_DEFAULT;
  const match = /^(\d{4,5})-(\d{4,5})$/.exec(text);
  const low = Number(match?.[1]);
  const high = Number(match?.[2]);
  if (match === null || low < 1024 || high > 65_536 || high - low < 16) {
    throw usageError('PORT_RANGE_INVALID', `TL_PORT_RANGE: expected <low>-<high> with 1024 <= low, high <= 65536 and at least 16 ports, got ${JSON.stringify(text.slice(0, 40))}`, 'TL_PORT_RANGE');
  }
  return { low, high };
}

function exhausted(low: number, high: number): Error {
  return usageError('PORTS_EXHAUSTED', `no free loopback port found in ${low}-${high} after ${PORT_ATTEMPTS} tries: set TL_PORT_RANGE to a wider or quieter range`, 'TL_PORT_RANGE');
}

/** Random ports tried per port handed out before giving up. */
const PORT_ATTEMPTS = 200;

/** Ports this process has handed out, oldest first (see the top of this file). */
const handedOut = new Set<number>();

export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const { low, high } = portRange();
  // Forget the oldest ports once half the range is remembered, so a long-lived process cannot
  // run out (a port handed out that long ago has long been bound or dropped).
  for (const port of handedOut) {
    if (handedOut.size + count <= (high - low) / 2) break;
    handedOut.delete(port);
  }
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          const attempt = (left: number) => {
            const port = low + Math.floor(Math.random() * (high - low));
            if (handedOut.has(port)) {
              if (left > 0) attempt(left - 1);
              else reject(exhausted(low, high));
              return;
            }
            // One listener pair per attempt: a 'listening' callback left over from a failed
            // attempt would otherwise resolve with that attempt's port, which is taken.
            const onListening = (): void => {
              server.off('error', onError);
              resolve(port);
            };
            const onError = (error: NodeJS.ErrnoException): void => {
              server.off('listening', onListening);
              if (error.code !== 'EADDRINUSE') reject(error);
              else if (left > 0) attempt(left - 1);
              else reject(exhausted(low, high));
            };
            server.once('listening', onListening);
            server.once('error', onError);
            server.listen(port, host);
          };
          attempt(PORT_ATTEMPTS);
        }),
      );
    }
    for (const port of ports) handedOut.add(port);
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}
