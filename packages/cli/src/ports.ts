// Free TCP ports on loopback for the local network, chosen below the kernel's ephemeral range
// (32768 and up on Linux) so that outgoing connections of other processes cannot take one between
// this check and the node's bind; every socket is held until all are chosen so no port is handed
// out twice, then released for the nodes. If another listener takes a port in that small window,
// the node fails to start and `dev` reports which one.

import { createServer, type Server } from 'node:net';

export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          const attempt = (left: number) => {
            const port = 20_000 + Math.floor(Math.random() * 12_000);
            server.once('error', (error: NodeJS.ErrnoException) => {
              if (error.code === 'EADDRINUSE' && left > 0) attempt(left - 1);
              else reject(error);
            });
            server.listen(port, host, () => resolve(port));
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
