// The one error class of @tradeledger/consensus. Every error carries a stable `code`
// (SCREAMING_SNAKE, never renamed once shipped) and a message that names the field and value.
// Operating errors (NOT_LEADER, PROPOSAL_DROPPED, ...) are thrown to the caller and cost only
// that call; a broken invariant (INVARIANT_BROKEN) is a bug and must stop the host.

export class ConsensusError extends Error {
  readonly code: string;
  readonly field: string | undefined;

  constructor(code: string, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConsensusError';
    this.code = code;
    this.field = options.field;
  }

  toJSON(): { code: string; message: string; field?: string } {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
}

/** An invariant that must hold in production too; callers must not catch it and carry on. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ConsensusError('INVARIANT_BROKEN', `invariant broken: ${message}`);
}
