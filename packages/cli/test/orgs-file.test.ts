import { describe, expect, it } from 'vitest';
import { p2pMultiaddr, parseOrgsFile, slugOf } from '../src/orgs-file.js';

const valid = {
  chainId: 'acme-trade',
  organizations: [
    { id: 'customs', lei: '506700GE1G29325QX363', name: 'Customs', roles: ['customs'], nodes: [{ name: 'customs-1', host: '10.0.0.1', p2pPort: 7001, apiPort: 8080 }] },
    { lei: 'INR2EJN1ERAN0W5ZP974', name: 'Acme Imports, Inc.', roles: ['importer'], nodes: [{ name: 'importer-1', host: 'importer.example.com', p2pPort: 7001, apiPort: 8080, apiHost: '0.0.0.0' }] },
    { lei: '8I5DZWZKVSZI1NUHU748', name: 'Broker', roles: ['broker'] },
  ],
};

function codeAndField(input: unknown): { code: string; field: string } {
  try {
    parseOrgsFile(input);
  } catch (error) {
    return { code: (error as { code: string }).code, field: (error as { field: string }).field };
  }
  throw new Error('expected a rejection');
}

describe('the organizations file of network init', () => {
  it('reads organizations, ids (given or from the name), nodes and defaults', () => {
    const plan = parseOrgsFile(valid);
    expect(plan.chainId).toBe('acme-trade');
    expect(plan.organizations.map((o) => o.id)).toEqual(['customs', 'acme-imports-inc', 'broker']);
    expect(plan.organizations[0]?.nodes[0]).toEqual({ name: 'customs-1', host: '10.0.0.1', p2pPort: 7001, apiPort: 8080, apiHost: '127.0.0.1' });
    expect(plan.organizations[1]?.nodes[0]?.apiHost).toBe('0.0.0.0');
    expect(plan.organizations[2]?.nodes).toEqual([]);
    expect(parseOrgsFile({ organizations: valid.organizations }).chainId).toBe('tradeledger');
  });

  it('names the field of every mistake', () => {
    const org0 = valid.organizations[0] as Record<string, unknown>;
    const node0 = (org0['nodes'] as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
    const withOrg0 = (changes: Record<string, unknown>) => ({ ...valid, organizations: [{ ...org0, ...changes }, ...valid.organizations.slice(1)] });
    const withNode0 = (changes: Record<string, unknown>) => withOrg0({ nodes: [{ ...node0, ...changes }] });
    expect(codeAndField({ ...valid, extra: 1 })).toEqual({ code: 'ORGS_FILE_INVALID', field: '$.extra' });
    expect(codeAndField({ ...valid, organizations: [] })).toEqual({ code: 'ORGS_FILE_INVALID', field: 'organizations' });
    expect(codeAndField(withOrg0({ colour: 'red' }))).toEqual({ code: 'ORGS_FILE_INVALID', field: 'organizations[0].colour' });
    expect(codeAndField(withOrg0({ id: 'Bad Id' }))).toEqual({ code: 'ORGS_FILE_INVALID', field: 'organizations[0].id' });
    expect(codeAndField(withOrg0({ roles: 'customs' }))).toEqual({ code: 'ORGS_FILE_INVALID', field: 'organizations[0].roles' });
    expect(codeAndField(withNode0({ p2pPort: 70000 }))).toEqual({ code: 'ORGS_FILE_INVALID', field: 'organizations[0].nodes[0].p2pPort' });
    expect(codeAndField(withNode0({ host: 'under_score' }))).toEqual({ code: 'ORGS_FILE_INVALID', field: 'organizations[0].nodes[0].host' });
    expect(codeAndField(withNode0({ apiPort: 7001 }))).toEqual({ code: 'ORGS_FILE_INVALID', field: 'organizations[0].nodes[0].apiPort' });
    expect(codeAndField(withNode0({ name: 'importer-1' }))).toEqual({ code: 'ORGS_FILE_INVALID', field: 'organizations[1].nodes[0].name' });
    expect(codeAndField({ organizations: [{ lei: '506700GE1G29325QX363', name: 'A', roles: ['customs'] }] })).toEqual({ code: 'ORGS_FILE_INVALID', field: 'organizations' });
    expect(codeAndField({ ...valid, organizations: [valid.organizations[0], { ...org0, lei: 'INR2EJN1ERAN0W5ZP974', nodes: [] }] })).toEqual({ code: 'ORGS_FILE_INVALID', field: 'organizations[1].id' });
  });

  it('slugs names and writes multiaddrs for addresses and DNS names', () => {
    expect(slugOf('Acme Imports, Inc.')).toBe('acme-imports-inc');
    expect(slugOf('!!!')).toBe('org');
    expect(p2pMultiaddr('10.0.0.1', 7001)).toBe('/ip4/10.0.0.1/tcp/7001');
    expect(p2pMultiaddr('node.example.com', 7001)).toBe('/dns4/node.example.com/tcp/7001');
  });
});
