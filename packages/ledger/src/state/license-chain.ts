// License scope and chain rules shared by the state machine (at apply, against the block
// timestamp) and the decision queries (against a date asked about): whether a license covers a
// GTIN, whether it is in force at an instant, and its chain of parents up to the right.

import { gtinCoveredByPrefix } from '../documents/identifiers.js';
import type { License, Right } from '../documents/ip-rights.js';
import type { StateReader } from '../store.js';
import { KEY } from './keys.js';
import { readRecord, type DocumentRecord } from './records.js';
import { periodContains } from './scope.js';

/** How deep sublicensing may nest (a license and at most this many ancestors). */
export const LICENSE_CHAIN_MAX_DEPTH = 8;
/** The most licenses one revocation may revoke with its cascade. */
export const LICENSE_REVOKE_CASCADE_MAX = 1000;

interface Scope {
  readonly gtins: readonly string[];
  readonly gs1Prefixes: readonly string[];
}

export function scopeCoversGtin(scope: Scope, gtin14: string): boolean {
  return scope.gtins.includes(gtin14) || scope.gs1Prefixes.some((prefix) => gtinCoveredByPrefix(gtin14, prefix));
}

/** Whether every GTIN and prefix of `inner` lies within `outer`. */
export function scopeWithin(inner: Scope, outer: Scope): boolean {
  return inner.gtins.every((gtin) => scopeCoversGtin(outer, gtin)) && inner.gs1Prefixes.every((prefix) => outer.gs1Prefixes.some((p) => prefix.startsWith(p)));
}

/** Whether a license (one link, not its parents) is in force at an instant: within its validity and not yet revoked. */
export function licenseInForceAt(record: DocumentRecord, instantMs: number): boolean {
  const license = record.payload as License;
  if (!periodContains(license.validFrom, license.validTo, instantMs)) return false;
  return record.status !== 'revoked' || (record.revokedAtMs !== undefined && instantMs < record.revokedAtMs);
}

export interface LicenseChain {
  /** The license first, then its parent, up to the top-level license. */
  readonly licenses: readonly DocumentRecord[];
  readonly right: DocumentRecord | undefined;
}

/** The license's chain of parents and its right, as stored (missing links end the chain). */
export async function readLicenseChain(reader: StateReader, license: DocumentRecord): Promise<LicenseChain> {
  const licenses: DocumentRecord[] = [license];
  let current = license;
  for (let depth = 0; depth < LICENSE_CHAIN_MAX_DEPTH; depth++) {
    const parentId = (current.payload as License).parent;
    if (parentId === undefined) break;
    const parent = await readRecord<DocumentRecord>(reader, KEY.doc(parentId));
    if (parent === undefined || parent.kind !== 'license') break;
    licenses.push(parent);
    current = parent;
  }
  const right = await readRecord<DocumentRecord>(reader, KEY.doc((license.payload as License).right));
  return { licenses, right: right?.kind === 'right' ? right : undefined };
}

/** Whether the whole chain is in force at an instant and every link covers the GTIN. */
export function chainCovers(chain: LicenseChain, gtin14: string, instantMs: number): boolean {
  if (chain.right === undefined || chain.right.status !== 'active' || !scopeCoversGtin(chain.right.payload as Right, gtin14)) return false;
  return chain.licenses.every((link) => licenseInForceAt(link, instantMs) && scopeCoversGtin(link.payload as License, gtin14));
}
