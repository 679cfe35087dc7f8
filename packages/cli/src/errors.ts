// The one error class of @tradeledger/cli and the exit codes every command documents. A CliError
// carries a stable `code` (the node's or the ledger's code when the failure came from there), the
// field it concerns when there is one, and the exit code the process ends with.

/** Exit codes of every `tradeledger` command. */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** The node or the ledger rejected the input, or a verification (proof, audit) failed. */
  rejected: 1,
  /** Wrong flags or arguments, or an input file that cannot be read or parsed. */
  usage: 2,
  /** The node could not be reached (refused connection, timeout, unexpected answer). */
  unreachable: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  readonly code: string;
  readonly field: string | undefined;
  readonly exitCode: ExitCode;

  constructor(code: string, message: string, options: { exitCode: ExitCode; field?: string | undefined; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.code = code;
    this.field = options.field;
    this.exitCode = options.exitCode;
  }

  toJSON(): { code: string; message: string; field?: string } {
    return this.field === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, field: this.field };
  }
}

/** A usage problem: bad flags, arguments or input files (exit 2). */
export function usageError(code: string, message: string, field?: string, cause?: unknown): CliError {
  return new CliError(code, message, { exitCode: EXIT.usage, field, cause });
}

/** A rejection or failed verification (exit 1). */
export function rejectedError(code: string, message: string, field?: string, cause?: unknown): CliError {
  return new CliError(code, message, { exitCode: EXIT.rejected, field, cause });
}

/** The node could not be reached or answered something that is not the API (exit 3). */
export function unreachableError(code: string, message: string, cause?: unknown): CliError {
  return new CliError(code, message, { exitCode: EXIT.unreachable, cause });
}

/**
 * Any thrown value as a CliError. Coded errors of the ledger and the node (LedgerError, NodeError:
 * a `code` string, maybe a `field`) keep their code and count as rejections, except codes that say
 * an input file is missing or unreadable, which are usage errors.
 */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' && /^[A-Z][A-Z0-9_]*$/.test((error as { code: string }).code)) {
    const { code, message } = error as { code: string; message?: unknown };
    const field = (error as { field?: unknown }).field;
    const exitCode = USAGE_CODES.has(code) ? EXIT.usage : EXIT.rejected;
    return new CliError(code, typeof message === 'string' ? message : code, { exitCode, field: typeof field === 'string' ? field : undefined, cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CliError('INTERNAL', message, { exitCode: EXIT.rejected, cause: error });
}

/** Ledger and node codes that mean "the input you named cannot be used", not "rejected". */
const USAGE_CODES = new Set(['KEY_FILE_NOT_FOUND', 'KEY_FILE_UNREADABLE', 'KEY_FILE_INVALID', 'KEY_FILE_EXISTS', 'KEY_FILE_WRITE_FAILED']);
