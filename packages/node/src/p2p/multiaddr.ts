// Multiaddr parsing for the p2p layer. @multiformats/multiaddr is not a direct dependency of
// @tradeledger/node (only of libp2p), and libp2p accepts only Multiaddr objects, not strings.
// Until it is added to package.json, the module is loaded from libp2p's own dependency tree,
// so the instance is the very one libp2p checks with isMultiaddr. With the dependency added,
// this file becomes `export { multiaddr } from '@multiformats/multiaddr'`.

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Connection } from '@libp2p/interface';
import { NodeError } from '../errors.js';

/** libp2p's Multiaddr type, named through an interface that re-exports it. */
export type Multiaddr = Connection['remoteAddr'];

interface MultiaddrModule {
  multiaddr(input: string): Multiaddr;
  isMultiaddr(value: unknown): value is Multiaddr;
}

let loaded: Promise<MultiaddrModule> | undefined;

/** Loads the multiaddr module libp2p itself uses (once). */
export function loadMultiaddrModule(): Promise<MultiaddrModule> {
  loaded ??= (async () => {
    const requireHere = createRequire(import.meta.url);
    const libp2pEntry = requireHere.resolve('libp2p');
    const modulePath = createRequire(libp2pEntry).resolve('@multiformats/multiaddr');
    const mod = (await import(pathToFileURL(modulePath).href)) as Partial<MultiaddrModule>;
    if (typeof mod.multiaddr !== 'function' || typeof mod.isMultiaddr !== 'function') {
      throw new Error(`assert: ${modulePath} does not export multiaddr/isMultiaddr`);
    }
    return mod as MultiaddrModule;
  })();
  return loaded;
}

/** Parses a multiaddr string; P2P_ADDRESS_INVALID naming `field` when it does not parse. */
export async function parseMultiaddr(text: string, field: string): Promise<Multiaddr> {
  const { multiaddr } = await loadMultiaddrModule();
  if (typeof text !== 'string' || text.length === 0) {
    throw new NodeError('P2P_ADDRESS_INVALID', `${field}: expected a multiaddr string, got ${JSON.stringify(text)}`);
  }
  try {
    return multiaddr(text);
  } catch (cause) {
    throw new NodeError('P2P_ADDRESS_INVALID', `${field}: ${JSON.stringify(text)} is not a multiaddr (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
  }
}
