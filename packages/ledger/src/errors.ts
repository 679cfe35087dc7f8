// The one error class of @tradeledger/ledger. Every rejection carries a stable `code`
// (SCREAMING_SNAKE, never renamed once shipped), a message that names the field and the value,
// and `cause` where there is one. Validation that can reject as a matter of course returns a
// `Result` instead of throwing, so a rejection's reason is data.

export class LedgerError extends Error {
  readonly code: string;
  readonly field: string | undefined;

  constructor(code: string, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LedgerError';
    this.code = code;
    this.field = options.field;
  }

  toJSON(): { code: string; message: string; field?: string } {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
}

/** A rejection as data: the same shape the API returns in `{ error: { code, message } }`. */
export interface Rejection {
  readonly code: string;
  readonly message: string;
  readonly field?: string;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: Rejection };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function reject(code: string, message: string, field?: string): { readonly ok: false; readonly error: Rejection } {
  return { ok: false, error: field === undefined ? { code, message } : { code, message, field } };
}

/** Throws the rejection of a failed result as a LedgerError; returns the value otherwise. */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new LedgerError(result.error.code, result.error.message, result.error.field === undefined ? {} : { field: result.error.field });
}

/**
 * An invariant that must hold in production too. A broken invariant is a bug, not bad input:
 * it throws an AssertionError-coded LedgerError that callers must not catch and carry on from.
 */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new LedgerError('ASSERTION_FAILED', `invariant broken: ${message}`);
}
