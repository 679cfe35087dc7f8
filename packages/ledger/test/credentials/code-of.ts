// The code of the LedgerError a call throws; fails the test when it throws nothing or another error.
import { LedgerError } from '../../src/errors.js';

export function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof LedgerError) return error.code;
    throw error;
  }
  throw new Error('expected a LedgerError');
}
