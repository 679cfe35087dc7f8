// The shapes the node's JSON answers have, named by the ledger package's own types. Type-only:
// `import type` is erased at build (verbatimModuleSyntax), so the bundle never reaches the ledger's
// root entry (which imports node:crypto); the runtime code uses '@tradeledger/ledger/browser' only.

export type {
  CertificateOfOrigin,
  CertificateWithdraw,
  ChainLinkEvidence,
  CredentialEvidence,
  DocumentRecord,
  DocumentRef,
  DocumentWithHistory,
  Entry,
  EntryLine,
  EntryLineCheck,
  EntryReview,
  HistoryRecord,
  LicenseEvidence,
  PageOf,
  PartyCheck,
  ProductCheck,
  RightEvidence,
  VerificationDetermination,
  VerificationRequest,
  VerificationResponse,
} from '@tradeledger/ledger';
