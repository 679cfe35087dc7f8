// Licensee credentials on the ledger: a rights holder records that it issued a W3C Verifiable
// Credential (credentials/license-credential.ts) to a licensee, and may later revoke it. The ledger
// keeps the credential's hash (licenseCredentialHash: SHA-256 of its RFC 8785 form, proof included),
// the issuer's did:key, the subject's LEI and role, the license it rests on, the GTINs and the
// validity; optionally the credential itself as JSON text (bounded), in which case the payload's
// fields must be the credential's and its eddsa-jcs-2022 proof must verify.
//
// The credential is carried as text, not as a nested object: JSON numbers and arbitrary members
// never meet the canonical msgpack codec, and what the ledger stores is what the issuer wrote.
// Schema rules here need no state; the state rules (who may issue, the license, the period) are in
// state/handle-credential.ts.

import { z } from 'zod';
import { verifyLicenseCredential, LICENSEE_ROLES } from '../credentials/license-credential.js';
import { parseXsdDateTimeMs } from '../credentials/datetime.js';
import { publicKeyFromDidKey } from '../credentials/did-key.js';
import { DOCUMENT_LIMITS } from './limits.js';
import { timestampMs } from './identifiers.js';
import { addRuleIssue, checkedString, documentRefField, gtinField, identity, leiField, longText, sha256Field, timestampField, uniqueArray } from './schema-kit.js';

/** Longest credential JSON text a credential-issue may carry inline (a credential listing 1000 GTINs is about 19 KB). */
export const CREDENTIAL_JSON_MAX_CHARS = 32 * 1024;
/** Credentials one entry line may cite. */
export const CREDENTIALS_PER_LINE = 10;

export const didKeyField = checkedString(
  (value) => {
    try {
      publicKeyFromDidKey(value as string, 'issuer');
      return { value: value as string };
    } catch (error) {
      const e = error as { code?: string; message?: string };
      return { code: e.code ?? 'DID_KEY_INVALID', detail: (e.message ?? 'not an Ed25519 did:key').replace(/^issuer: /, '') };
    }
  },
  { description: "The issuer's Ed25519 did:key (did:key:z6Mk…): the key that signs the transaction", pattern: '^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]{44}$' },
);

/** A credential cited by its credential-issue document id or by its credential hash (both 64 lower-case hex). */
export const credentialRefField = checkedString(
  (value) => (typeof value === 'string' && /^[0-9a-f]{64}$/.test(value) ? { value } : { code: 'CREDENTIAL_REF_FORMAT', detail: `expected a credential-issue document id or a credential hash (64 lower-case hex), got ${JSON.stringify(String(value).slice(0, 80))}` }),
  { description: 'A credential: its credential-issue document id, or its credential hash (64 lower-case hex)', pattern: '^[0-9a-f]{64}$' },
);

const credentialJsonField = z.string().max(CREDENTIAL_JSON_MAX_CHARS).meta({ description: `The whole credential as JSON text (at most ${CREDENTIAL_JSON_MAX_CHARS} characters); when given, the other fields must be its own and its proof must verify` });

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const left = [...a].sort();
  const right = [...b].sort();
  return left.every((value, i) => value === right[i]);
}

interface IssueShape {
  readonly credentialHash: string;
  readonly issuer: string;
  readonly subject: { readonly lei: string; readonly role: string };
  readonly license: string;
  readonly gtins: readonly string[];
  readonly validFrom: string;
  readonly validUntil: string;
  readonly credential?: string | undefined;
}

/** The inline credential's checks: JSON, hash, proof (and shape), then each field against the payload's. */
function credentialRule(payload: IssueShape, ctx: z.core.$RefinementCtx): void {
  const text = payload.credential;
  if (text === undefined) return;
  let vc: unknown;
  try {
    vc = JSON.parse(text) as unknown;
  } catch (error) {
    addRuleIssue(ctx, 'CREDENTIAL_JSON', `not JSON text: ${(error as Error).message}`, ['credential']);
    return;
  }
  // Judge the proof and shape as of the credential's own validFrom: the validity window against
  // the block time is a state rule, and a proof stays valid after the credential expires.
  const declaredFrom = typeof vc === 'object' && vc !== null ? (vc as Record<string, unknown>)['validFrom'] : undefined;
  let atMs = timestampMs(payload.validFrom);
  try {
    atMs = parseXsdDateTimeMs(declaredFrom, 'validFrom', { requireTimezone: true });
  } catch {
    // The verifier below names the bad validFrom with its own code.
  }
  const verified = verifyLicenseCredential(vc, { atMs });
  if (!verified.ok) {
    addRuleIssue(ctx, verified.error.code, `credential ${verified.error.message}`, ['credential']);
    return;
  }
  const v = verified.value;
  if (v.hash !== payload.credentialHash) {
    addRuleIssue(ctx, 'CREDENTIAL_HASH_MISMATCH', `the credential hashes to ${v.hash}, not ${payload.credentialHash}`, ['credentialHash'], payload.credentialHash);
    return;
  }
  const mismatch = (field: string, ours: unknown, theirs: unknown): void => {
    addRuleIssue(ctx, 'CREDENTIAL_FIELD_MISMATCH', `${JSON.stringify(ours)} is not the credential's ${JSON.stringify(theirs)}`, field.split('.'), ours);
  };
  if (v.issuer !== payload.issuer) return mismatch('issuer', payload.issuer, v.issuer);
  if (v.subject.lei !== payload.subject.lei) return mismatch('subject.lei', payload.subject.lei, v.subject.lei);
  if (v.subject.role !== payload.subject.role) return mismatch('subject.role', payload.subject.role, v.subject.role);
  if (v.subject.licenseTxId !== payload.license) return mismatch('license', payload.license, v.subject.licenseTxId);
  if (!sameSet(v.subject.gtins, payload.gtins)) return mismatch('gtins', payload.gtins, v.subject.gtins);
  if (v.validFromMs !== timestampMs(payload.validFrom)) return mismatch('validFrom', payload.validFrom, (vc as Record<string, unknown>)['validFrom']);
  if (v.validUntilMs !== timestampMs(payload.validUntil)) return mismatch('validUntil', payload.validUntil, (vc as Record<string, unknown>)['validUntil'] ?? null);
}

/** A rights holder records a credential it issued to a licensee (issuer = the signing key's did:key). */
export const credentialIssueSchema = z
  .strictObject({
    /** licenseCredentialHash of the credential, lower-case hex. */
    credentialHash: sha256Field,
    issuer: didKeyField,
    subject: z.strictObject({ lei: leiField, role: z.enum(LICENSEE_ROLES) }),
    /** The license (document id) the credential rests on: a license of the issuer's right to the subject. */
    license: documentRefField,
    gtins: uniqueArray(gtinField, 1, DOCUMENT_LIMITS.gtinsPerDocument, identity, 'GTIN'),
    validFrom: timestampField,
    validUntil: timestampField,
    credential: credentialJsonField.optional(),
  })
  .superRefine((payload, ctx) => {
    if (timestampMs(payload.validUntil) <= timestampMs(payload.validFrom)) {
      addRuleIssue(ctx, 'PERIOD_ORDER', `credential validity ends (${payload.validUntil}) before it starts (${payload.validFrom})`, ['validUntil'], payload.validUntil);
      return;
    }
    credentialRule(payload, ctx);
  });
export type CredentialIssue = z.output<typeof credentialIssueSchema>;

/** The issuer revokes a credential, named by its credential-issue document id or its hash. */
export const credentialRevokeSchema = z.strictObject({
  credential: credentialRefField,
  reason: longText,
});
export type CredentialRevoke = z.output<typeof credentialRevokeSchema>;
