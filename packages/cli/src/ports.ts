// Free TCP ports on loopback for the local network, chosen below the kernel's ephemeral range
// (32768 and up on Linux) so that outgoing connections of other processes cannot take one between
// this check and the node's bind; every socket is held until all are chosen so no port is handed
// out twice, then released for the nodes. If another listener takes a port in that small window,
// the node fails to start and `dev` reports which one.

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

export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const { low, high } = portRange();
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
            // One listener pair per attempt: a 'listening' callback left over from a failed
            // attempt would otherwise resolve with that attempt's port, which is taken.
            const onListening = (): void => {
              server.off('error', onError);
              resolve(port);
            };
            const onError = (error: NodeJS.ErrnoException): void => {
              server.off('listening', onListening);
              if (error.code === 'EADDRINUSE' && left > 0) attempt(left - 1);
              else reject(error);
            };
            server.once('listening', onListening);
            server.once('error', onError);
            server.listen(port, host);
          };
          attempt(200);
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}
