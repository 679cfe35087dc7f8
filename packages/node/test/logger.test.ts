// Logs: JSON lines by default, a readable line per record in pretty mode, levels respected.

import { describe, expect, it } from 'vitest';
import { createLogger, formatLogLine } from '../src/logger.js';

function sink(): { lines: string[]; write(chunk: string): void } {
  const lines: string[] = [];
  return { lines, write: (chunk: string) => void lines.push(...chunk.split('\n').filter((l) => l.length > 0)) };
}

describe('logger', () => {
  it('writes one JSON object per record with level, time, message and fields', () => {
    const out = sink();
    const log = createLogger({ level: 'info', format: 'json', destination: out, base: { peerId: '12D3KooWabc' } });
    log.info({ height: 12, txs: 3 }, 'block applied');
    log.debug('hidden at info');
    expect(out.lines).toHaveLength(1);
    const record = JSON.parse(out.lines[0] as string) as Record<string, unknown>;
    expect(record).toMatchObject({ level: 30, msg: 'block applied', height: 12, txs: 3, peerId: '12D3KooWabc' });
    expect(record.time).toBeTypeOf('number');
  });

  it('pretty mode prints time, level, message and key=value fields, and error codes', () => {
    const out = sink();
    const log = createLogger({ level: 'debug', format: 'pretty', destination: out, colors: false });
    log.debug({ peer: 'abc', note: 'two words' }, 'dialing');
    log.error({ err: Object.assign(new Error('disk full'), { code: 'STORE_WRITE' }) }, 'commit failed');
    expect(out.lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} DEBUG dialing peer=abc note="two words"$/);
    expect(out.lines[1]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} ERROR commit failed err="Error\[STORE_WRITE\]: disk full"$/);
    expect(out.lines[2]).toMatch(/^\s+Error: disk full$/);
  });

  it('formats lines that are not records as they came, and colours only when asked', () => {
    expect(formatLogLine('not json\n')).toBe('not json\n');
    expect(formatLogLine('[1,2]')).toBe('[1,2]\n');
    const coloured = formatLogLine(JSON.stringify({ level: 40, time: 0, msg: 'careful' }), { colors: true });
    expect(coloured).toContain('\x1b[33mWARN');
    expect(formatLogLine(JSON.stringify({ level: 40, time: 0, msg: 'careful' }))).not.toContain('\x1b[');
    expect(formatLogLine(JSON.stringify({ level: 30, msg: 'm', big: 'x'.repeat(5000) })).length).toBeLessThan(2100);
  });

  it('refuses an unknown level or format with the key named', () => {
    expect(() => createLogger({ level: 'loud' as 'info', format: 'json' })).toThrow(/log\.level/);
    expect(() => createLogger({ level: 'info', format: 'xml' as 'json' })).toThrow(/log\.format/);
  });
});
