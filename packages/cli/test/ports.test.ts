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
});
