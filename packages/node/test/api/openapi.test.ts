// The OpenAPI document kept in the repo describes exactly the routes the server registers: the same
// method and path pairs, the same path and query parameters, and the same access.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { apiRouteDefinitions } from '../../src/api/server.js';
import { send, startHarness, type Harness } from './harness.js';

interface Operation {
  operationId?: string;
  parameters?: Array<{ name: string; in: 'path' | 'query'; required?: boolean }>;
  security?: Array<Record<string, unknown>>;
  responses: Record<string, unknown>;
}

const DOC_FILE = fileURLToPath(new URL('../../src/api/openapi.json', import.meta.url));
const doc = JSON.parse(readFileSync(DOC_FILE, 'utf8')) as { openapi: string; security: Array<Record<string, unknown>>; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

function documented(): Map<string, Operation> {
  const out = new Map<string, Operation>();
  for (const [path, item] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(item)) out.set(`${method.toUpperCase()} ${path}`, op);
  return out;
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('openapi.json', () => {
  it('lists every registered route and no other', async () => {
    h = await startHarness();
    const registered = h.api.routes.map((r) => `${r.method} ${r.path}`).sort();
    expect(registered).toEqual(apiRouteDefinitions().map((r) => `${r.method} ${r.path}`).sort());
    expect([...documented().keys()].sort()).toEqual(registered);
  });

  it('documents each route with its path and query parameters and its access', () => {
    const ops = documented();
    const ids = new Set<string>();
    for (const route of apiRouteDefinitions()) {
      const key = `${route.method} ${route.path}`;
      const op = ops.get(key) as Operation;
      expect(op.operationId, key).toBeTypeOf('string');
      expect(ids.has(op.operationId as string), `${key} operationId unique`).toBe(false);
      ids.add(op.operationId as string);
      const pathNames = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      expect((op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name), key).toEqual(pathNames);
      expect((op.parameters ?? []).filter((p) => p.in === 'path').every((p) => p.required === true), key).toBe(true);
      expect((op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name).sort(), key).toEqual(Object.keys(route.query).sort());
      const security = op.security ?? doc.security;
      if (route.access === 'public') expect(security, key).toEqual([]);
      if (route.access === 'member') expect(security.map((s) => Object.keys(s).join()).sort(), key).toEqual(['bearerToken', 'signedRequest']);
      if (route.access === 'metrics') expect(security.map((s) => Object.keys(s).join()).sort(), key).toEqual(['', 'bearerToken', 'signedRequest']);
      if (route.access !== 'public') expect(Object.keys(op.responses), key).toContain('401');
    }
  });

  it('resolves every schema reference', () => {
    const text = JSON.stringify(doc);
    for (const match of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) expect(doc.components.schemas, match[1]).toHaveProperty(match[1] as string);
  });

  it('is the document the server serves', async () => {
    h = await startHarness();
    const served = await send(h.url, 'GET', '/openapi.json');
    expect(served.text).toBe(readFileSync(DOC_FILE, 'utf8'));
  });
});
