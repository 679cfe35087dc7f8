// The one error class of @tradeledger/node: an operating error with a stable `code` and the
// HTTP status the API answers it with. Ledger rejections (LedgerError, Rejection) keep their own
// codes when they cross into the node; `fromLedger` maps them.

export class NodeError extends Error {
  readonly code: string;
  readonly status: number;
  /** Seconds a client should wait before retrying (503 busy answers). */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: string, message: string, options: { status?: number; retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NodeError';
    this.code = code;
    this.status = options.status ?? 500;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  toJSON(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Whether a value carries a stable error code (NodeError, LedgerError or a ledger Rejection). */
export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string') return (error as { code: string }).code;
  return undefined;
}
