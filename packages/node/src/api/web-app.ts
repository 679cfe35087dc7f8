// The web page every node serves (issue 9): the Vite build in packages/node/dist/web, answered from
// memory and read again when index.html changes (a rebuild shows without restarting the node). Paths:
//   /app, /app/…           the page (index.html), which routes on the client
//   /app/assets/<file>     hashed bundle files, cached for a year
//   /01/<gtin>[/…]         GS1 Digital Link: the same page, which opens its product view
//   /                      redirects to /app/
// The page talks only to this node's API (same origin); the Content-Security-Policy below holds it
// to that, so no script, style, font or image can come from anywhere else.
//
// Owns: which files are served under which path and type. Must never: serve a file outside the
// build folder, or answer anything but GET and HEAD.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NodeError } from '../errors.js';

/** The build output of packages/node/web (vite.config.ts), next to this module's dist folder. */
export const WEB_APP_DIR_DEFAULT = fileURLToPath(new URL('../web/', import.meta.url));

export const WEB_APP_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // Images are the attachments, fetched with the token and shown from blob: URLs after their
  // hash is checked; a product guide opens as a blob: document (object-src for the PDF viewer).
  "img-src blob:",
  "connect-src 'self'",
  "object-src blob:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** Bundle file names Vite writes: no slashes, no dot-dot. */
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

export interface WebAnswer {
  readonly status: number;
  readonly body: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
}

/** Whether a request path belongs to the page rather than to the JSON API. */
export function isWebPath(pathname: string): boolean {
  return pathname === '/' || pathname === '/app' || pathname.startsWith('/app/') || /^\/01\/[^/]/.test(pathname);
}

function mtimeOf(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

export class WebApp {
  private index: Uint8Array | undefined;
  private assets = new Map<string, Uint8Array>();
  private loadedMtime: number | undefined;

  private constructor(readonly dir: string) {}

  /** Reads the build; a missing build is not an error (the API still works), the page answers 404. */
  static load(dir: string = WEB_APP_DIR_DEFAULT): WebApp {
    const app = new WebApp(dir);
    app.refresh();
    return app;
  }

  get built(): boolean {
    return this.index !== undefined;
  }

  /** Rereads the build when index.html changed since the last read (Vite rewrites it on every build). */
  private refresh(): void {
    const indexFile = join(this.dir, 'index.html');
    const mtime = mtimeOf(indexFile);
    if (mtime === this.loadedMtime) return;
    const assets = new Map<string, Uint8Array>();
    try {
      const index = mtime === undefined ? undefined : readFileSync(indexFile);
      if (index !== undefined) {
        const assetDir = join(this.dir, 'assets');
        const names = mtimeOf(assetDir) === undefined ? [] : readdirSync(assetDir);
        for (const name of names) if (ASSET_NAME.test(name)) assets.set(name, readFileSync(join(assetDir, name)));
      }
      this.index = index;
      this.assets = assets;
      this.loadedMtime = mtime;
    } catch {
      // A build being written right now: keep what was loaded and try again on the next request.
    }
  }

  /** The answer for a web path (see isWebPath); NodeError for a wrong method or unknown asset. */
  answer(method: string, pathname: string): WebAnswer {
    if (method !== 'GET' && method !== 'HEAD') throw new NodeError('METHOD_NOT_ALLOWED', `${method.slice(0, 16)} ${pathname.slice(0, 200)}: allowed GET, HEAD`, { status: 405 });
    if (pathname === '/') return { status: 302, body: new Uint8Array(0), headers: { location: '/app/', 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } };
    this.refresh();
    if (this.index === undefined) {
      throw new NodeError('WEB_APP_NOT_BUILT', `the web page was not built into ${this.dir}: run pnpm build`, { status: 404 });
    }
    if (pathname.startsWith('/app/assets/')) {
      const name = pathname.slice('/app/assets/'.length);
      const bytes = ASSET_NAME.test(name) ? this.assets.get(name) : undefined;
      if (bytes === undefined) throw new NodeError('NOT_FOUND', `no asset ${JSON.stringify(name.slice(0, 200))}`, { status: 404 });
      return {
        status: 200,
        body: bytes,
        headers: { 'content-type': MEDIA_TYPES[extname(name)] ?? 'application/octet-stream', 'cache-control': 'public, max-age=31536000, immutable' },
      };
    }
    return {
      status: 200,
      body: this.index,
      headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', 'content-security-policy': WEB_APP_CSP, 'x-frame-options': 'DENY' },
    };
  }
}
