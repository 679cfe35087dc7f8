// The input of `tradeledger network init`: a small JSON (or YAML) file naming the network's
// organizations and their nodes. Checked here for shape, names and ports, with errors naming the
// field; LEIs, names and roles are then checked by the ledger's genesis schema.
//
//   { "chainId": "acme-trade",                       // optional, default "tradeledger"
//     "governanceThreshold": { "numerator": 1, "denominator": 2 },   // optional
//     "organizations": [
//       { "id": "customs",                            // optional: directory name, default from name
//         "lei": "506700GE1G29325QX363", "name": "Customs", "roles": ["customs"],
//         "nodes": [ { "name": "customs-1", "host": "10.0.0.1", "p2pPort": 7001, "apiPort": 8080 } ] } ] }

import { usageError } from './errors.js';

export interface PlannedNode {
  /** Unique in the network: the node's directory name. */
  readonly name: string;
  /** Where peers reach its p2p port: an IPv4 address or a DNS name. */
  readonly host: string;
  readonly p2pPort: number;
  readonly apiPort: number;
  /** The address its HTTP API binds (default 127.0.0.1: loopback only). */
  readonly apiHost: string;
}

export interface PlannedOrganization {
  readonly id: string;
  readonly lei: string;
  readonly name: string;
  readonly roles: readonly string[];
  readonly nodes: readonly PlannedNode[];
}

export interface OrgsFile {
  readonly chainId: string;
  readonly governanceThreshold?: { readonly numerator: number; readonly denominator: number };
  readonly organizations: readonly PlannedOrganization[];
}

export const ORGS_FILE_LIMITS = { organizations: 256, nodesPerOrganization: 16, nameChars: 64 } as const;
const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
const HOST = /^(?:(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])$|^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV4 = /^(?:\d{1,3}\.){3}\d{1,3}$/;
export const DEFAULT_CHAIN_ID = 'tradeledger';

function bad(field: string, message: string): never {
  throw usageError('ORGS_FILE_INVALID', `${field}: ${message}`, field);
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

function record(value: unknown, field: string, allowed: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad(field, `expected an object, got ${shown(value)}`);
  const out = value as Record<string, unknown>;
  for (const key of Object.keys(out)) if (!allowed.includes(key)) bad(`${field}.${key}`, `unknown field (allowed: ${allowed.join(', ')})`);
  return out;
}

function text(value: unknown, field: string, pattern?: RegExp): string {
  if (typeof value !== 'string' || value.length === 0) bad(field, `expected a non-empty string, got ${shown(value)}`);
  if (pattern !== undefined && !pattern.test(value)) bad(field, `${shown(value)} does not match ${pattern.source}`);
  return value;
}

function port(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) bad(field, `expected a port 1-65535, got ${shown(value)}`);
  return value;
}

/** A directory-safe id from an organization's name: "Acme Imports, Inc." -> "acme-imports-inc". */
export function slugOf(name: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '');
  return slug.length === 0 ? 'org' : slug;
}

export function parseOrgsFile(value: unknown): OrgsFile {
  const root = record(value, '$', ['chainId', 'governanceThreshold', 'organizations']);
  const chainId = root['chainId'] === undefined ? DEFAULT_CHAIN_ID : text(root['chainId'], 'chainId', /^[A-Za-z0-9._:-]{1,64}$/);
  let governanceThreshold: OrgsFile['governanceThreshold'];
  if (root['governanceThreshold'] !== undefined) {
    const t = record(root['governanceThreshold'], 'governanceThreshold', ['numerator', 'denominator']);
    if (typeof t['numerator'] !== 'number' || typeof t['denominator'] !== 'number') bad('governanceThreshold', 'expected { numerator, denominator } integers');
    governanceThreshold = { numerator: t['numerator'], denominator: t['denominator'] };
  }
  const orgs = root['organizations'];
  if (!Array.isArray(orgs) || orgs.length === 0) bad('organizations', `expected a non-empty array, got ${shown(orgs)}`);
  if (orgs.length > ORGS_FILE_LIMITS.organizations) bad('organizations', `at most ${ORGS_FILE_LIMITS.organizations} organizations, got ${orgs.length}`);
  const ids = new Set<string>();
  const nodeNames = new Set<string>();
  const endpoints = new Set<string>();
  const organizations = orgs.map((raw: unknown, i: number): PlannedOrganization => {
    const field = `organizations[${i}]`;
    const org = record(raw, field, ['id', 'lei', 'name', 'roles', 'nodes']);
    const name = text(org['name'], `${field}.name`);
    const id = org['id'] === undefined ? slugOf(name) : text(org['id'], `${field}.id`, SLUG);
    if (ids.has(id)) bad(`${field}.id`, `${shown(id)} is used by two organizations (set "id" to tell them apart)`);
    ids.add(id);
    const roles = org['roles'];
    if (!Array.isArray(roles) || !roles.every((r) => typeof r === 'string')) bad(`${field}.roles`, `expected an array of role names, got ${shown(roles)}`);
    const nodesRaw = org['nodes'] ?? [];
    if (!Array.isArray(nodesRaw)) bad(`${field}.nodes`, `expected an array, got ${shown(nodesRaw)}`);
    if (nodesRaw.length > ORGS_FILE_LIMITS.nodesPerOrganization) bad(`${field}.nodes`, `at most ${ORGS_FILE_LIMITS.nodesPerOrganization} nodes, got ${nodesRaw.length}`);
    const nodes = nodesRaw.map((rawNode: unknown, n: number): PlannedNode => {
      const nf = `${field}.nodes[${n}]`;
      const node = record(rawNode, nf, ['name', 'host', 'p2pPort', 'apiPort', 'apiHost']);
      const nodeName = text(node['name'], `${nf}.name`, SLUG);
      if (nodeNames.has(nodeName)) bad(`${nf}.name`, `${shown(nodeName)} is not unique`);
      nodeNames.add(nodeName);
      const host = text(node['host'], `${nf}.host`, HOST);
      const apiHost = node['apiHost'] === undefined ? '127.0.0.1' : text(node['apiHost'], `${nf}.apiHost`, IPV4);
      const p2pPort = port(node['p2pPort'], `${nf}.p2pPort`);
      const apiPort = port(node['apiPort'], `${nf}.apiPort`);
      for (const [endpoint, what] of [[`${host}:${p2pPort}`, 'p2pPort'], [`${host}:${apiPort}`, 'apiPort']] as const) {
        if (endpoints.has(endpoint)) bad(`${nf}.${what}`, `${endpoint} is used twice`);
        endpoints.add(endpoint);
      }
      return { name: nodeName, host, p2pPort, apiPort, apiHost };
    });
    return { id, lei: text(org['lei'], `${field}.lei`), name, roles: roles as string[], nodes };
  });
  if (!organizations.some((o) => o.nodes.length > 0)) bad('organizations', 'at least one organization must run a node');
  return governanceThreshold === undefined ? { chainId, organizations } : { chainId, governanceThreshold, organizations };
}

/** The multiaddr peers dial for a node: /ip4/… for an address, /dns4/… for a name. */
export function p2pMultiaddr(host: string, p2pPort: number): string {
  return `${IPV4.test(host) ? '/ip4' : '/dns4'}/${host}/tcp/${p2pPort}`;
}
