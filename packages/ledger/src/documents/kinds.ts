// The trade document kinds: one parser per transaction kind (the `TxKind` shape: `kind` and
// `parse(payload) => Result`), built from the zod schemas with the network's document options, and
// their JSON Schemas for the CLI and the API. The options are part of a network's configuration:
// every node must use the same ones, or they would judge the same payload differently.

import { z } from 'zod';
import type { Result } from '../errors.js';
import { attachmentSchema, type Attachment } from './attachment.js';
import { credentialIssueSchema, credentialRevokeSchema, type CredentialIssue, type CredentialRevoke } from './credential.js';
import { certificateAmendSchema, certificateOfOriginSchema, certificateWithdrawSchema, type CertificateAmend, type CertificateOfOrigin, type CertificateWithdraw } from './certificate.js';
import { brokerDesignationRevokeSchema, brokerDesignationSchema, entryReviewSchema, entrySchema, type BrokerDesignation, type BrokerDesignationRevoke, type Entry, type EntryReview } from './entry.js';
import {
  genesisConfigSchema,
  governanceApproveSchema,
  keyRotateSchema,
  nodeSetChangeSchema,
  orgAddSchema,
  orgRemoveSchema,
  type GovernanceApprovePayload,
  type KeyRotatePayload,
  type NodeSetChangePayload,
  type OrgAddPayload,
  type OrgRemovePayload,
} from './governance.js';
import type { EntryNumberCheckDigitRule } from './identifiers.js';
import { licenseRevokeSchema, licenseSchema, rightSchema, type License, type LicenseRevoke, type Right } from './ip-rights.js';
import { parseWith } from './schema-kit.js';
import { TxKindRegistry } from '../tx-kind-registry.js';
import { verificationDeterminationSchema, verificationRequestSchema, verificationResponseSchema, type VerificationDetermination, type VerificationRequest, type VerificationResponse } from './verification.js';

export interface DocumentOptions {
  /** Accept USMCA origin criterion 'E' (some guides name it; USMCA Article 4.2 has A-D). Default false. */
  readonly allowUsmcaCriterionE?: boolean;
  /** The entry number check-digit rule. Default: format only (formatOnlyEntryNumberRule). */
  readonly entryNumberCheckDigit?: EntryNumberCheckDigitRule;
}

/** Parsed payload type of every kind. */
export interface DocumentPayloads {
  'org-add': OrgAddPayload;
  'org-remove': OrgRemovePayload;
  'key-rotate': KeyRotatePayload;
  'node-set-change': NodeSetChangePayload;
  'governance-approve': GovernanceApprovePayload;
  'certificate-of-origin': CertificateOfOrigin;
  'certificate-amend': CertificateAmend;
  'certificate-withdraw': CertificateWithdraw;
  'verification-request': VerificationRequest;
  'verification-response': VerificationResponse;
  'verification-determination': VerificationDetermination;
  right: Right;
  license: License;
  'license-revoke': LicenseRevoke;
  'credential-issue': CredentialIssue;
  'credential-revoke': CredentialRevoke;
  'broker-designation': BrokerDesignation;
  'broker-designation-revoke': BrokerDesignationRevoke;
  entry: Entry;
  'entry-review': EntryReview;
  attachment: Attachment;
}
export type DocumentKind = keyof DocumentPayloads;

/** Every kind, sorted: the order of documentJsonSchemas() and of registration. */
export const DOCUMENT_KINDS: readonly DocumentKind[] = (
  [
    'org-add',
    'org-remove',
    'key-rotate',
    'node-set-change',
    'governance-approve',
    'certificate-of-origin',
    'certificate-amend',
    'certificate-withdraw',
    'verification-request',
    'verification-response',
    'verification-determination',
    'right',
    'license',
    'license-revoke',
    'credential-issue',
    'credential-revoke',
    'broker-designation',
    'broker-designation-revoke',
    'entry',
    'entry-review',
    'attachment',
  ] as const
)
  .slice()
  .sort();

export function isDocumentKind(kind: string): kind is DocumentKind {
  return (DOCUMENT_KINDS as readonly string[]).includes(kind);
}

/** The zod schema of every kind under `options`. */
export function documentSchemas(options: DocumentOptions = {}): { readonly [K in DocumentKind]: z.ZodType<DocumentPayloads[K], unknown> } {
  const certificateOptions = options.allowUsmcaCriterionE === undefined ? {} : { allowUsmcaCriterionE: options.allowUsmcaCriterionE };
  const entryOptions = options.entryNumberCheckDigit === undefined ? {} : { entryNumberCheckDigit: options.entryNumberCheckDigit };
  return {
    'org-add': orgAddSchema,
    'org-remove': orgRemoveSchema,
    'key-rotate': keyRotateSchema,
    'node-set-change': nodeSetChangeSchema,
    'governance-approve': governanceApproveSchema,
    'certificate-of-origin': certificateOfOriginSchema(certificateOptions),
    'certificate-amend': certificateAmendSchema(certificateOptions),
    'certificate-withdraw': certificateWithdrawSchema,
    'verification-request': verificationRequestSchema,
    'verification-response': verificationResponseSchema,
    'verification-determination': verificationDeterminationSchema,
    right: rightSchema,
    license: licenseSchema,
    'license-revoke': licenseRevokeSchema,
    'credential-issue': credentialIssueSchema,
    'credential-revoke': credentialRevokeSchema,
    'broker-designation': brokerDesignationSchema,
    'broker-designation-revoke': brokerDesignationRevokeSchema,
    entry: entrySchema(entryOptions),
    'entry-review': entryReviewSchema,
    attachment: attachmentSchema,
  };
}

/** A transaction kind: its name and a parser that validates and normalises its payload. */
export interface DocumentTxKind<K extends DocumentKind = DocumentKind> {
  readonly kind: K;
  parse(payload: unknown): Result<DocumentPayloads[K]>;
}

export type DocumentKindSet = { readonly [K in DocumentKind]: DocumentTxKind<K> };

/** The parsers of every trade document kind, keyed by kind. */
export function documentKinds(options: DocumentOptions = {}): DocumentKindSet {
  const schemas = documentSchemas(options);
  const make = <K extends DocumentKind>(kind: K): DocumentTxKind<K> => ({ kind, parse: (payload: unknown) => parseWith(schemas[kind], payload) as Result<DocumentPayloads[K]> });
  const out: Partial<Record<DocumentKind, DocumentTxKind>> = {};
  for (const kind of DOCUMENT_KINDS) out[kind] = make(kind) as unknown as DocumentTxKind;
  return out as DocumentKindSet;
}

/** The trade document kinds as a list of `TxKind`s in kind order, for a transaction kind registry. */
export function tradeDocumentKinds(options: DocumentOptions = {}): DocumentTxKind[] {
  const kinds = documentKinds(options);
  return DOCUMENT_KINDS.map((kind) => kinds[kind] as DocumentTxKind);
}

/** Parses a genesis configuration (not a transaction kind: it is the chain's starting point). */
export function parseGenesisConfig(config: unknown): Result<z.output<typeof genesisConfigSchema>> {
  return parseWith(genesisConfigSchema, config);
}

/** JSON Schema (draft 2020-12) of each kind's payload as a party writes it (before normalisation). */
export function documentJsonSchemas(options: DocumentOptions = {}): Record<DocumentKind | 'genesis', object> {
  const schemas = documentSchemas(options);
  const out: Partial<Record<DocumentKind | 'genesis', object>> = {};
  for (const kind of DOCUMENT_KINDS) out[kind] = { title: kind, ...z.toJSONSchema(schemas[kind], { io: 'input', unrepresentable: 'any' }) };
  out.genesis = { title: 'genesis', ...z.toJSONSchema(genesisConfigSchema, { io: 'input', unrepresentable: 'any' }) };
  return out as Record<DocumentKind | 'genesis', object>;
}

/** A transaction kind registry holding every trade document kind (options as for documentKinds). */
export function tradeDocumentRegistry(options: DocumentOptions = {}): TxKindRegistry {
  const registry = new TxKindRegistry();
  for (const kind of tradeDocumentKinds(options)) registry.register(kind);
  return registry;
}
