// The governance threshold and the approvals it requires, with no schema attached: the light
// client (and so the browser bundle) needs this arithmetic without the document validators.

/**
 * A change takes effect when approvals × denominator > members × numerator: {1, 2} (the default) is
 * a strict majority; {2, 3} more than two thirds. governance.ts validates it (governanceThresholdSchema).
 */
export interface GovernanceThreshold {
  readonly numerator: number;
  readonly denominator: number;
}

export const MAJORITY: GovernanceThreshold = { numerator: 1, denominator: 2 };

/** The smallest number of member approvals that exceeds the threshold fraction of `memberCount`. */
export function approvalsRequired(threshold: GovernanceThreshold, memberCount: number): number {
  return Math.floor((memberCount * threshold.numerator) / threshold.denominator) + 1;
}
