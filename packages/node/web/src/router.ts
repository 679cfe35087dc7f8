// History-API routing over the paths the node serves index.html for: /app/, /app/entry/{n},
// /app/product/{gtin}, /01/{gtin} (GS1 Digital Link), /app/ledger, /app/ledger/tx/{txId}.
//
// Owns: turning a location into a Route and navigating without reloading. Must never: navigate
// off this origin.

import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { readonly view: 'home' }
  | { readonly view: 'entry'; readonly entryNumber?: string }
  | { readonly view: 'product'; readonly gtin?: string; readonly seller?: string }
  | { readonly view: 'ledger'; readonly txId?: string }
  | { readonly view: 'not-found'; readonly path: string };

function decode(part: string): string | undefined {
  try {
    const value = decodeURIComponent(part);
    return value === '' ? undefined : value;
  } catch {
    return undefined;
  }
}

export function parseRoute(pathname: string, search: string): Route {
  const path = pathname.replace(/\/+$/, '');
  const seller = new URLSearchParams(search).get('seller')?.trim() || undefined;
  const withSeller = (gtin: string | undefined): Route => ({ view: 'product', ...(gtin === undefined ? {} : { gtin }), ...(seller === undefined ? {} : { seller }) });
  if (path === '' || path === '/app') return { view: 'home' };
  const gs1 = /^\/01\/([^/]+)(?:\/.*)?$/.exec(path);
  if (gs1 !== null) return withSeller(decode(gs1[1] as string));
  const parts = path.split('/').slice(2); // after '', 'app'
  if (!path.startsWith('/app/')) return { view: 'not-found', path: pathname };
  const [first, second, third] = parts;
  if (first === 'entry' && parts.length <= 2) return second === undefined ? { view: 'entry' } : withEntry(decode(second));
  if (first === 'product' && parts.length <= 2) return withSeller(second === undefined ? undefined : decode(second));
  if (first === 'ledger' && parts.length === 1) return { view: 'ledger' };
  if (first === 'ledger' && second === 'tx' && third !== undefined && parts.length === 3) {
    const txId = decode(third);
    return txId === undefined ? { view: 'ledger' } : { view: 'ledger', txId };
  }
  return { view: 'not-found', path: pathname };
}

function withEntry(entryNumber: string | undefined): Route {
  return entryNumber === undefined ? { view: 'entry' } : { view: 'entry', entryNumber };
}

export const paths = {
  home: (): string => '/app/',
  entry: (entryNumber?: string): string => (entryNumber === undefined ? '/app/entry' : `/app/entry/${encodeURIComponent(entryNumber)}`),
  product: (gtin?: string, seller?: string): string =>
    (gtin === undefined ? '/app/product' : `/app/product/${encodeURIComponent(gtin)}`) + (seller === undefined || seller === '' ? '' : `?seller=${encodeURIComponent(seller)}`),
  ledger: (): string => '/app/ledger',
  tx: (txId: string): string => `/app/ledger/tx/${encodeURIComponent(txId)}`,
};

const listeners = new Set<() => void>();

export function navigate(to: string): void {
  if (!to.startsWith('/') || to.startsWith('//')) return;
  if (to !== location.pathname + location.search) history.pushState(null, '', to);
  listeners.forEach((listener) => listener());
  window.scrollTo(0, 0);
}

/** The current route, re-rendering on navigation and on the back button. */
export function useRoute(): Route {
  const read = (): Route => parseRoute(location.pathname, location.search);
  const [route, setRoute] = useState<Route>(read);
  useEffect(() => {
    const update = (): void => setRoute(read());
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return route;
}

/** Same-origin links navigate in place; modified clicks (new tab) are left to the browser. */
export function onLinkClick(event: MouseEvent): void {
  const target = event.target instanceof Element ? event.target.closest('a') : null;
  if (target === null || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const href = target.getAttribute('href');
  if (href === null || !href.startsWith('/') || href.startsWith('//') || target.hasAttribute('download') || target.target !== '') return;
  event.preventDefault();
  navigate(href);
}
