// The page's only way to the node: same-origin relative paths (`/v1/...`), the access token from
// sessionStorage, and every refusal as an ApiError carrying the node's stable code.
//
// Owns: fetch, the token's storage, error decoding. Must never: call another origin, or keep the
// token anywhere but sessionStorage (it ends with the tab).

export const TOKEN_STORAGE_KEY = 'tradeledger.token';
/** Longest token accepted from the form (the node's are ~60 characters). */
const TOKEN_MAX_CHARS = 512;

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** HTTP status, 0 when the node could not be reached. */
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** 401 and 403: the token is missing, wrong or revoked. */
export function isAuthError(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 401 || error.status === 403);
}

// ---------------------------------------------------------------------------------------------
// The access token, with listeners so every view re-renders when it is set or forgotten.

const tokenListeners = new Set<() => void>();

export function readToken(): string | undefined {
  try {
    const token = sessionStorage.getItem(TOKEN_STORAGE_KEY);
    return token === null || token === '' ? undefined : token;
  } catch {
    return undefined; // storage disabled: the page works without a token
  }
}

export function saveToken(token: string): void {
  const trimmed = token.trim();
  if (trimmed === '' || trimmed.length > TOKEN_MAX_CHARS) throw new ApiError('TOKEN_INVALID', `token: expected 1 to ${TOKEN_MAX_CHARS} characters`, 0);
  sessionStorage.setItem(TOKEN_STORAGE_KEY, trimmed);
  tokenListeners.forEach((listener) => listener());
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_STORAGE_KEY);
  tokenListeners.forEach((listener) => listener());
}

export function onTokenChange(listener: () => void): () => void {
  tokenListeners.add(listener);
  return () => tokenListeners.delete(listener);
}

// ---------------------------------------------------------------------------------------------
// Requests

function assertSameOrigin(path: string): void {
  if (!path.startsWith('/v1/') || path.startsWith('//')) throw new ApiError('PATH_INVALID', `path ${path.slice(0, 80)}: the page only calls this node's /v1/ routes`, 0);
}

async function send(path: string, token: string | undefined, accept: string): Promise<Response> {
  assertSameOrigin(path);
  const headers: Record<string, string> = { accept };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(path, { headers, credentials: 'omit', cache: 'no-store' });
  } catch (error) {
    throw new ApiError('NODE_UNREACHABLE', `the node did not answer ${path}: ${(error as Error).message}`, 0);
  }
  if (!response.ok) throw await errorOf(response, path);
  return response;
}

async function errorOf(response: Response, path: string): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    const code = body.error?.code;
    const message = body.error?.message;
    if (typeof code === 'string' && typeof message === 'string') return new ApiError(code, message, response.status);
  } catch {
    // not JSON: fall through to the status line
  }
  return new ApiError(`HTTP_${response.status}`, `${path}: ${response.status} ${response.statusText}`.trim(), response.status);
}

/** GET a JSON route. The value is unknown: callers narrow it at once. */
export async function getJson(path: string, token: string | undefined = readToken()): Promise<unknown> {
  const response = await send(path, token, 'application/json');
  try {
    return (await response.json()) as unknown;
  } catch (error) {
    throw new ApiError('RESPONSE_MALFORMED', `${path}: the answer is not JSON (${(error as Error).message})`, response.status);
  }
}

/** GET bytes (attachments), as a Blob typed by the node's Content-Type. */
export async function getBlob(path: string, token: string | undefined = readToken()): Promise<Blob> {
  const response = await send(path, token, '*/*');
  return response.blob();
}

/** Path segment encoding for user input (entry numbers, GTINs). */
export function segment(value: string): string {
  return encodeURIComponent(value.trim());
}
