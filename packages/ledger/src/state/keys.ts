// The state key layout of the trade state machine. Every key is printable ASCII (STATE_KEY_PATTERN),
// built only here, and ordered bytewise; every component is a fixed-alphabet identifier (LEI,
// GTIN-14, hex, digits, peer id), so no component can contain the "/" separator.
//
//   meta/block                          height and timestamp of the last applied block (the queries' "now")
//   mem/config                          chain id and governance threshold
//   mem/org/<LEI>                       member organization: name, roles, signing keys, nodes
//   mem/key/<signing key hex>           -> LEI of the organization holding the key
//   mem/node/<peer id>                  -> LEI and node public key
//   mem/nodekey/<node key hex>          -> LEI and peer id
//   nonce/<signer key hex>              last accepted nonce of a signer
//   doc/<doc id>                        document record: kind, status, version, current payload
//   hist/<doc id>/<seq, 6 digits>       history: every transaction that created or changed it
//   gov/approval/<proposal id>/<LEI>    an organization's approval of a governance proposal
//   idx/lei/<LEI>/<doc id>              documents naming an organization (signer's included)
//   idx/gtin/<GTIN-14>/<doc id>         documents naming a GTIN
//   idx/gs1/<prefix>/<doc id>           rights and licenses covering a GS1 company prefix
//   idx/hs/<6 digits>/<doc id>          documents naming an HS subheading
//   idx/entryno/<entry number>          -> entry document id (entry numbers are never reused)
//   idx/cert/<certificate id>/<doc id>  documents about a certificate (amendments, entries, verifications)
//   idx/verif-open/<request id>         open origin verifications
//   idx/proposal-open/<proposal id>     open governance proposals
//   idx/sublicense/<parent>/<child>     sublicenses of a license
//   idx/right-license/<right>/<license> licenses under a right
//   idx/broker/<importer>/<broker>/<id> broker designations
//   idx/att/<sha256>/<attachment id>    attachment records of a file hash
//   idx/doc-att/<doc id>/<attachment id> attachment records belonging to a document
//   idx/vc-hash/<credential hash>       -> credential-issue document id (a credential is recorded once)
//   idx/vc-subject/<LEI>/<doc id>       credentials issued to a licensee

export const KEY = {
  lastBlock: 'meta/block',
  config: 'mem/config',
  org: (lei: string) => `mem/org/${lei}`,
  orgPrefix: 'mem/org/',
  signingKey: (publicKeyHex: string) => `mem/key/${publicKeyHex}`,
  node: (peerId: string) => `mem/node/${peerId}`,
  nodeKey: (publicKeyHex: string) => `mem/nodekey/${publicKeyHex}`,
  nonce: (signerHex: string) => `nonce/${signerHex}`,
  doc: (id: string) => `doc/${id}`,
  history: (id: string, seq: number) => `hist/${id}/${String(seq).padStart(6, '0')}`,
  historyPrefix: (id: string) => `hist/${id}/`,
  approval: (proposalId: string, lei: string) => `gov/approval/${proposalId}/${lei}`,
  approvalPrefix: (proposalId: string) => `gov/approval/${proposalId}/`,
  byLei: (lei: string, id: string) => `idx/lei/${lei}/${id}`,
  byLeiPrefix: (lei: string) => `idx/lei/${lei}/`,
  byGtin: (gtin14: string, id: string) => `idx/gtin/${gtin14}/${id}`,
  byGtinPrefix: (gtin14: string) => `idx/gtin/${gtin14}/`,
  byGs1: (prefix: string, id: string) => `idx/gs1/${prefix}/${id}`,
  byGs1Prefix: (prefix: string) => `idx/gs1/${prefix}/`,
  byHs: (hs6: string, id: string) => `idx/hs/${hs6}/${id}`,
  byHsPrefix: (hs6: string) => `idx/hs/${hs6}/`,
  entryNumber: (entryNumber: string) => `idx/entryno/${entryNumber}`,
  byCertificate: (certificateId: string, id: string) => `idx/cert/${certificateId}/${id}`,
  byCertificatePrefix: (certificateId: string) => `idx/cert/${certificateId}/`,
  openVerification: (requestId: string) => `idx/verif-open/${requestId}`,
  openVerificationPrefix: 'idx/verif-open/',
  openProposal: (proposalId: string) => `idx/proposal-open/${proposalId}`,
  openProposalPrefix: 'idx/proposal-open/',
  sublicense: (parentId: string, childId: string) => `idx/sublicense/${parentId}/${childId}`,
  sublicensePrefix: (parentId: string) => `idx/sublicense/${parentId}/`,
  rightLicense: (rightId: string, licenseId: string) => `idx/right-license/${rightId}/${licenseId}`,
  rightLicensePrefix: (rightId: string) => `idx/right-license/${rightId}/`,
  broker: (importer: string, broker: string, id: string) => `idx/broker/${importer}/${broker}/${id}`,
  brokerPrefix: (importer: string, broker: string) => `idx/broker/${importer}/${broker}/`,
  attachmentByHash: (sha256: string, id: string) => `idx/att/${sha256}/${id}`,
  attachmentByHashPrefix: (sha256: string) => `idx/att/${sha256}/`,
  documentAttachment: (docId: string, attachmentId: string) => `idx/doc-att/${docId}/${attachmentId}`,
  documentAttachmentPrefix: (docId: string) => `idx/doc-att/${docId}/`,
  credentialByHash: (credentialHash: string) => `idx/vc-hash/${credentialHash}`,
  credentialBySubject: (lei: string, id: string) => `idx/vc-subject/${lei}/${id}`,
  credentialBySubjectPrefix: (lei: string) => `idx/vc-subject/${lei}/`,
} as const;

/** The last "/"-separated component of an index key: the document id it points at. */
export function lastComponent(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}
