// Free ports for local networks: drawn from 20000-32000, or from TL_PORT_RANGE (checked).
import { afterEach, describe, expect, it } from 'vitest';
import { freePorts, portRange, PORT_RANGE_DEFAULT } from '../src/ports.js';

const saved = process.env['TL_PORT_RANGE'];
afterEach(() => {
  if (saved === undefined) delete process.env['TL_PORT_RANGE'];
  else process.env['TL_PORT_RANGE'] = saved;
});

describe('portRange and freePorts', () => {
  it('defaults to 20000-32000 and reads TL_PORT_RANGE', () => {
    expect(portRange({})).toEqual(PORT_RANGE_DEFAULT);
    expect(portRange({ TL_PORT_RANGE: '24000-24100' })).toEqual({ low: 24_000, high: 24_100 });
  });

  it('refuses a malformed, reversed, privileged or tiny range with PORT_RANGE_INVALID', () => {
    for (const text of ['abc', '24000', '24100-24000', '80-2000', '24000-24010', '24000-70000']) {
      expect(() => portRange({ TL_PORT_RANGE: text }), text).toThrow(expect.objectContaining({ code: 'PORT_RANGE_INVALID' }));
    }
  });

  it('hands out distinct ports inside the range', async () => {
    process.env['TL_PORT_RANGE'] = '27100-27200';
    const ports = await freePorts(12);
    expect(new Set(ports).size).toBe(12);
    for (const port of ports) expect(port >= 27_100 && port < 27_200, String(port)).toBe(true);
  });

  it('never hands out a port twice to callers that pick one at a time, each released before the next', async () => {
    // A network's ports picked one by one (test harnesses do): without the memory of ports handed
    // out, 40 draws from 200 ports repeat one with a probability of 98%.
    process.env['TL_PORT_RANGE'] = '27300-27500';
    const ports: number[] = [];
    for (let i = 0; i < 40; i++) ports.push(...(await freePorts(1)));
    expect(new Set(ports).size).toBe(40);
    // Concurrent callers too.
    const together = (await Promise.all(Array.from({ length: 20 }, () => freePorts(1)))).flat();
    expect(new Set([...ports, ...together]).size).toBe(60);
  });

  it('forgets the oldest ports once half the range was handed out, and says so when the range is full', async () => {
    process.env['TL_PORT_RANGE'] = '27600-27616';
    // 16 ports: 8 may be remembered; drawing 40 works because the oldest are forgotten.
    for (let i = 0; i < 40; i++) expect((await freePorts(1))[0]).toBeGreaterThanOrEqual(27_600);
    // Every port of the range held by someone else: a coded error, not a hang or a raw EADDRINUSE.
    const { createServer } = await import('node:net');
    const held = await Promise.all(
      Array.from({ length: 16 }, (_, i) => new Promise<import('node:net').Server>((resolve, reject) => {
        const server = createServer();
        server.once('error', reject);
        server.listen(27_600 + i, '127.0.0.1', () => resolve(server));
      })),
    );
    try {
      await expect(freePorts(1)).rejects.toMatchObject({ code: 'PORTS_EXHAUSTED', field: 'TL_PORT_RANGE' });
    } finally {
      await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
    }
  });
});
