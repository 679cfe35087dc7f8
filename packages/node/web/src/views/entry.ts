// The customs specialist's view of one entry at decision time: the header and review, then per
// line the certificate of origin with its verification history, the license chain from the rights
// holder, the licensee's credentials, the right's images and guides, badges for what is missing,
// revoked, expired or denied, and the commands to run next. Members only.

import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, getJson, segment } from '../api.js';
import { Badge, Copyable, ErrorAlert, isoTime, Loading, needsToken, Party, ProofBadge, useAsync, useToken, type BadgeKind, type Expect } from '../components.js';
import { checkTx, verifiedTx } from '../trust.js';
import { oneOf, type SignedTxView } from '../verify.js';
import { navigate, paths } from '../router.js';
import type {
  CertificateOfOrigin,
  CertificateWithdraw,
  ChainLinkEvidence,
  CredentialEvidence,
  DocumentRecord,
  DocumentWithHistory,
  Entry,
  EntryLine,
  EntryLineCheck,
  EntryReview,
  LicenseEvidence,
  PageOf,
  DocumentRef,
  PartyCheck,
  RightEvidence,
  VerificationDetermination,
  VerificationRequest,
  VerificationResponse,
} from '../types.js';
import { AttachmentGuide, AttachmentImage } from './attachments.js';

export function EntryView(props: { entryNumber: string | undefined }): VNode {
  const token = useToken();
  const [draft, setDraft] = useState(props.entryNumber ?? '');
  const submit = (event: Event): void => {
    event.preventDefault();
    if (draft.trim() !== '') navigate(paths.entry(draft.trim()));
  };
  return html`<section aria-labelledby="entry-heading">
    <h1 id="entry-heading">Entry review</h1>
    <form class="search card" onSubmit=${submit} role="search">
      <label for="entry-number">Entry number</label>
      <div class="row">
        <input id="entry-number" name="entry-number" value=${draft} autocomplete="off" spellcheck=${false} onInput=${(e: Event) => setDraft((e.currentTarget as HTMLInputElement).value)} />
        <button type="submit">Show entry</button>
      </div>
    </form>
    ${token === undefined ? needsToken(token, undefined) : props.entryNumber === undefined ? null : html`<${EntryDocument} key=${props.entryNumber} entryNumber=${props.entryNumber} />`}
  </section>`;
}

function EntryDocument(props: { entryNumber: string }): VNode {
  const state = useAsync(`entry:${props.entryNumber}`, async () => (await getJson(`/v1/query/entry/${segment(props.entryNumber)}`)) as DocumentWithHistory);
  if (state.status === 'loading') return html`<${Loading} what=${`entry ${props.entryNumber}`} />`;
  if (state.status === 'error') return entryError(props.entryNumber, state.error);
  const doc = state.value;
  const entry = doc.record.payload as Entry;
  const reviews = doc.history.filter((h) => h.action.startsWith('reviewed'));
  return html`<article class="entry" aria-labelledby="entry-title">
    <header class="card entry-header">
      <h2 id="entry-title">Entry ${entry.entryNumber}</h2>
      <dl class="facts">
        <dt>Importer of record</dt><dd><${Party} lei=${entry.importer} /></dd>
        <dt>Broker</dt><dd><${Party} lei=${entry.broker} /></dd>
        <dt>Filed by, according to this node</dt><dd><${Party} lei=${doc.record.signerLei} /></dd>
        <dt>Entry type</dt><dd>${entry.entryType}</dd>
        <dt>Import date</dt><dd>${entry.importDate}</dd>
        <dt>Port of entry</dt><dd>${entry.portOfEntry}</dd>
        <dt>Filed at</dt><dd>${isoTime(doc.record.createdAtMs)} (block ${doc.record.createdHeight})</dd>
        <dt>Review status, according to this node</dt><dd>${reviewBadge(doc.record.status)}</dd>
      </dl>
      <${ProofBadge} txId=${doc.record.id} doc=${doc} label="Entry" />
      ${reviews.map((r) => html`<${ReviewPanel} key=${r.txId} txId=${r.txId} entryId=${doc.record.id} />`)}
    </header>
    ${entry.lines.map((line) => html`<${LineSection} key=${line.lineNumber} entry=${entry} entryId=${doc.record.id} line=${line} />`)}
    <${NextActions} entry=${entry} entryId=${doc.record.id} />
  </article>`;
}

function entryError(entryNumber: string, error: ApiError): VNode {
  const auth = needsToken('set', error);
  if (auth !== null) return auth;
  if (error.status === 404) {
    return html`<div class="alert" role="alert"><strong>No entry filed under “${entryNumber}”.</strong> <span class="muted">${error.code}: ${error.message}</span></div>`;
  }
  return html`<${ErrorAlert} error=${error} context="Entry" />`;
}

function reviewBadge(status: string): VNode {
  if (status === 'filed') return html`<${Badge} kind="missing">not reviewed yet</${Badge}>`;
  const kind: BadgeKind = status === 'release' ? 'ok' : status === 'hold' ? 'denied' : 'warning';
  return html`<${Badge} kind=${kind}>${status}</${Badge}>`;
}

/**
 * A document fetched by id, refused (CONTENT_MISMATCH) unless the node answered with that id and
 * kind: a node must not answer one document's request with another, however well it verifies.
 */
async function documentOf(id: string, kind: string): Promise<DocumentWithHistory> {
  const doc = (await getJson(`/v1/documents/${segment(id)}`)) as DocumentWithHistory;
  if (doc.record?.id !== id) throw new ApiError('CONTENT_MISMATCH', `asked for document ${id}, the node answered with ${String(doc.record?.id).slice(0, 80)}`, 200);
  if (doc.record.kind !== kind) throw new ApiError('CONTENT_MISMATCH', `document ${id.slice(0, 12)}…: expected a ${kind}, the node answered with a ${String(doc.record.kind).slice(0, 80)}`, 200);
  return doc;
}

function ReviewPanel(props: { txId: string; entryId: string }): VNode {
  const state = useAsync(`doc:${props.txId}`, () => documentOf(props.txId, 'entry-review'));
  if (state.status === 'loading') return html`<${Loading} what="the review" />`;
  if (state.status === 'error') return html`<${ErrorAlert} error=${state.error} context="Review" />`;
  const review = state.value.record.payload as EntryReview;
  return html`<section class="review" aria-label="Customs review">
    <h3>Customs review: ${review.decision}</h3>
    <p>By <${Party} lei=${state.value.record.signerLei} /> at ${isoTime(state.value.record.createdAtMs)} <span class="muted">(signer and time according to this node)</span></p>
    ${review.findings.length === 0 ? null : html`<ul>${review.findings.map((f) => html`<li>Line ${f.lineNumber ?? '—'} (${f.category}): ${f.text}</li>`)}</ul>`}
    ${review.remarks === undefined || review.remarks === '' ? null : html`<p>${review.remarks}</p>`}
    <${ProofBadge} txId=${props.txId} doc=${state.value} expect=${{ kind: 'entry-review', fields: { entry: props.entryId, decision: review.decision } }} label="Review" />
  </section>`;
}

function LineSection(props: { entry: Entry; entryId: string; line: EntryLine }): VNode {
  const line = props.line;
  return html`<section class="card line" data-testid="entry-line" aria-labelledby=${`line-${line.lineNumber}`}>
    <h2 id=${`line-${line.lineNumber}`}>Line ${line.lineNumber}: ${line.description}</h2>
    <dl class="facts">
      <dt>HTSUS</dt><dd>${formatHtsus(line.htsus)}</dd>
      <dt>Country of origin</dt><dd>${line.countryOfOrigin}</dd>
      <dt>GTIN</dt><dd>${line.gtin ?? html`<span class="muted">none</span>`}</dd>
      <dt>Quantity</dt><dd>${line.quantity} ${line.unit}</dd>
      <dt>Value</dt><dd>${line.value}</dd>
      <dt>Preference claimed</dt><dd>${line.spi === undefined ? 'none' : `SPI ${line.spi}`}</dd>
      <dt>Manufacturer</dt><dd><${Party} lei=${line.manufacturer} /></dd>
    </dl>
    ${line.certificate !== undefined
      ? html`<${CertificatePanel} certificateId=${line.certificate} line=${line} importDate=${props.entry.importDate} />`
      : line.spi !== undefined
        ? html`<div data-testid="certificate" class="panel"><h3>Certificate of origin</h3><${Badge} kind="missing">missing: preference ${line.spi} claimed without a certificate</${Badge}></div>`
        : null}
    ${line.gtin === undefined ? null : html`<${LicenseChainPanel} entry=${props.entry} line=${line} gtin=${line.gtin} />`}
  </section>`;
}

function formatHtsus(code: string): string {
  return /^\d{10}$/.test(code) ? `${code.slice(0, 4)}.${code.slice(4, 6)}.${code.slice(6, 10)}` : code;
}

// ---------------------------------------------------------------------------------------------
// Certificate of origin

interface CertificateData {
  readonly certificate: DocumentWithHistory;
  readonly related: readonly DocumentWithHistory[];
}

async function loadCertificate(id: string): Promise<CertificateData> {
  const [certificate, refs] = await Promise.all([documentOf(id, 'certificate-of-origin'), getJson(`/v1/query/certificate/${segment(id)}?limit=100`) as Promise<PageOf<DocumentRef>>]);
  const wanted = refs.items.filter((r) => r.kind !== 'entry');
  const related = await Promise.all(wanted.map((r) => documentOf(r.id, r.kind)));
  return { certificate, related: [...related].sort((a, b) => a.record.createdHeight - b.record.createdHeight) };
}

function CertificatePanel(props: { certificateId: string; line: EntryLine; importDate: string }): VNode {
  const state = useAsync(`certificate:${props.certificateId}`, () => loadCertificate(props.certificateId));
  return html`<section class="panel" data-testid="certificate" aria-label=${`Certificate of origin, line ${props.line.lineNumber}`}>
    <h3>Certificate of origin</h3>
    ${state.status === 'loading'
      ? html`<${Loading} what="the certificate" />`
      : state.status === 'error'
        ? state.error.status === 404
          ? html`<${Badge} kind="missing">missing: the ledger holds no certificate ${props.certificateId}</${Badge}>`
          : html`<${ErrorAlert} error=${state.error} context="Certificate" />`
        : html`<${CertificateBody} data=${state.value} line=${props.line} importDate=${props.importDate} />`}
  </section>`;
}

function CertificateBody(props: { data: CertificateData; line: EntryLine; importDate: string }): VNode {
  const record = props.data.certificate.record;
  const cert = record.payload as CertificateOfOrigin;
  const hs6 = props.line.htsus.replace(/\D/g, '').slice(0, 6);
  const goods = cert.goods.filter((g) => g.hsCode.replace(/\D/g, '').slice(0, 6) === hs6);
  const amendments = props.data.certificate.history.filter((h) => h.action === 'amended');
  const withdrawal = props.data.related.find((d) => d.record.kind === 'certificate-withdraw');
  const requests = props.data.related.filter((d) => d.record.kind === 'verification-request');
  const certificateId = record.id;
  const determination = record.determination;
  return html`<div>
    <p class="badges">
      ${record.status === 'withdrawn' ? html`<${Badge} kind="withdrawn">withdrawn, according to this node</${Badge}>` : record.status === 'active' ? html`<${Badge} kind="ok">active, according to this node</${Badge}>` : html`<${Badge} kind="warning">${record.status}, according to this node</${Badge}>`}
      ${determination === undefined ? null : determination.outcome === 'denied' ? html`<${Badge} kind="denied">origin denied${determination.reasons.length > 0 ? `: ${determination.reasons.join(', ')}` : ''}, according to this node</${Badge}>` : html`<${Badge} kind="ok">origin affirmed, according to this node</${Badge}>`}
      ${periodBadge(cert, props.importDate)}
      ${goods.length === 0 ? html`<${Badge} kind="missing">no certified good under HS ${hs6}</${Badge}>` : null}
    </p>
    <dl class="facts">
      <dt>Agreement</dt><dd>${cert.agreement}</dd>
      <dt>Certifier</dt><dd><${Party} lei=${cert.certifier.lei} /> (${cert.certifierRole})</dd>
      <dt>Period</dt><dd>${cert.period.kind === 'blanket' ? `blanket ${cert.period.from} to ${cert.period.to}` : `single shipment${cert.period.invoiceNumber === undefined ? '' : `, invoice ${cert.period.invoiceNumber}`}`}</dd>
      <dt>Version</dt><dd>${record.version}${amendments.length === 0 ? '' : ` (amended ${amendments.length}×: ${amendments.map((a) => isoTime(a.timestampMs)).join(', ')})`}</dd>
      <dt>Recorded</dt><dd>${isoTime(record.createdAtMs)} (block ${record.createdHeight})</dd>
    </dl>
    ${goods.length === 0 ? null : html`<table class="stack">
      <caption>Goods certified under HS ${hs6}</caption>
      <thead><tr><th scope="col">Description</th><th scope="col">HS</th><th scope="col">Origin criterion</th><th scope="col">Country</th></tr></thead>
      <tbody>${goods.map((g) => html`<tr><td data-label="Description">${g.description}</td><td data-label="HS">${g.hsCode}</td><td data-label="Origin criterion">${g.originCriterion}</td><td data-label="Country">${g.countryOfOrigin}</td></tr>`)}</tbody>
    </table>`}
    <${ProofBadge} txId=${record.id} doc=${props.data.certificate} label=${record.version > 1 ? `Certificate (version ${record.version})` : 'Certificate'} />
    ${amendments.map((a) => html`<${ProofBadge} key=${a.txId} txId=${a.txId} doc=${props.data.certificate} label=${`Amendment (version ${a.version})`} />`)}
    ${withdrawal === undefined ? null : html`<div class="sub"><h4>Withdrawal</h4><p>${isoTime(withdrawal.record.createdAtMs)}: ${(withdrawal.record.payload as CertificateWithdraw).reason}</p><${ProofBadge} txId=${withdrawal.record.id} doc=${withdrawal} expect=${{ kind: 'certificate-withdraw', fields: { certificate: certificateId } }} label="Withdrawal" /></div>`}
    <div class="sub">
      <h4>Verification history</h4>
      ${requests.length === 0 ? html`<p class="muted">No origin verification has been requested.</p>` : requests.map((r) => html`<${VerificationItem} key=${r.record.id} request=${r} certificateId=${certificateId} related=${props.data.related} />`)}
    </div>
  </div>`;
}

/** A blanket certification covers imports in its period only. */
function periodBadge(cert: CertificateOfOrigin, importDate: string): VNode | null {
  if (cert.period.kind !== 'blanket') return null;
  if (importDate < cert.period.from || importDate > cert.period.to) return html`<${Badge} kind="expired">import date ${importDate} outside the blanket period</${Badge}>`;
  return html`<${Badge} kind="ok">import date within the blanket period</${Badge}>`;
}

function VerificationItem(props: { request: DocumentWithHistory; certificateId: string; related: readonly DocumentWithHistory[] }): VNode {
  const request = props.request.record.payload as VerificationRequest;
  const id = props.request.record.id;
  const responses = props.related.filter((d) => d.record.kind === 'verification-response' && (d.record.payload as VerificationResponse).request === id);
  const determinations = props.related.filter((d) => d.record.kind === 'verification-determination' && (d.record.payload as VerificationDetermination).request === id);
  return html`<div class="verification">
    <p><strong>Request</strong> ${isoTime(props.request.record.createdAtMs)} by <${Party} lei=${props.request.record.signerLei} /> to <${Party} lei=${request.addressee} />, ${request.method}, due ${request.dueDate} — ${props.request.record.status === 'closed' ? html`<${Badge} kind="ok">closed, according to this node</${Badge}>` : html`<${Badge} kind="warning">open, according to this node</${Badge}>`}</p>
    <ul>${request.questions.map((q) => html`<li>${q.id}: ${q.text}</li>`)}</ul>
    <${ProofBadge} txId=${id} doc=${props.request} expect=${{ kind: 'verification-request', fields: { certificate: props.certificateId } }} label="Verification request" />
    ${responses.length === 0 ? html`<p><${Badge} kind="missing">no response yet, according to this node</${Badge}></p>` : responses.map((d) => html`<${ResponseItem} key=${d.record.id} doc=${d} requestId=${id} />`)}
    ${determinations.map((d) => html`<${DeterminationItem} key=${d.record.id} doc=${d} requestId=${id} />`)}
  </div>`;
}

function ResponseItem(props: { doc: DocumentWithHistory; requestId: string }): VNode {
  const response = props.doc.record.payload as VerificationResponse;
  return html`<div class="sub">
    <p><strong>Response</strong> ${isoTime(props.doc.record.createdAtMs)} by <${Party} lei=${props.doc.record.signerLei} /> ${props.doc.record.late === true ? html`<${Badge} kind="expired">late, according to this node</${Badge}>` : null}</p>
    <ul>${response.answers.map((a) => html`<li>${a.questionId}: ${a.text}</li>`)}</ul>
    ${response.attachments.length === 0 ? null : html`<p class="muted">Attachments: ${response.attachments.map((a) => a.title).join('; ')}</p>`}
    <${ProofBadge} txId=${props.doc.record.id} doc=${props.doc} expect=${{ kind: 'verification-response', fields: { request: props.requestId } }} label="Verification response" />
  </div>`;
}

function DeterminationItem(props: { doc: DocumentWithHistory; requestId: string }): VNode {
  const d = props.doc.record.payload as VerificationDetermination;
  return html`<div class="sub">
    <p><strong>Determination</strong> ${isoTime(props.doc.record.createdAtMs)} by <${Party} lei=${props.doc.record.signerLei} />: ${d.outcome === 'denied' ? html`<${Badge} kind="denied">denied${d.reasons.length > 0 ? `: ${d.reasons.join(', ')}` : ''}</${Badge}>` : html`<${Badge} kind="ok">affirmed</${Badge}>`}</p>
    ${d.reasonsText === '' ? null : html`<p>${d.reasonsText}</p>`}
    <${ProofBadge} txId=${props.doc.record.id} doc=${props.doc} expect=${{ kind: 'verification-determination', fields: { request: props.requestId, outcome: d.outcome } }} label="Determination" />
  </div>`;
}

// ---------------------------------------------------------------------------------------------
// License chain, right, credentials

function checkPath(entry: Entry, line: EntryLine, gtin: string): string {
  const query = new URLSearchParams({ importerLei: entry.importer, gtin, date: entry.importDate });
  if (line.manufacturer !== undefined) query.set('manufacturerLei', line.manufacturer);
  if (line.credentials !== undefined && line.credentials.length > 0) query.set('credentials', line.credentials.join(','));
  return `/v1/check/entry-line?${query.toString()}`;
}

function LicenseChainPanel(props: { entry: Entry; line: EntryLine; gtin: string }): VNode {
  const path = checkPath(props.entry, props.line, props.gtin);
  const state = useAsync(path, async () => (await getJson(path)) as EntryLineCheck);
  return html`<section class="panel" data-testid="license-chain" aria-label="License chain">
    <h3>Rights and licenses for GTIN ${props.gtin} on ${props.entry.importDate}, according to this node</h3>
    <p class="muted">Whether a license is in force, and the credentials' standing, are this node's answers; the badges show what this page checked itself.</p>
    ${state.status === 'loading'
      ? html`<${Loading} what="the license chain" />`
      : state.status === 'error'
        ? html`<${ErrorAlert} error=${state.error} context="License check" />`
        : html`<${LicenseCheckBody} check=${state.value} />`}
  </section>`;
}

function LicenseCheckBody(props: { check: EntryLineCheck }): VNode {
  const c = props.check;
  return html`<div>
    ${c.rights.length === 0 ? html`<p><${Badge} kind="missing">missing: no rights holder has registered this GTIN</${Badge}></p>` : c.rights.map((r) => html`<${RightBlock} key=${r.rightId} right=${r} />`)}
    <${PartyBlock} title="Importer" party=${c.importer} role="importer" />
    ${c.manufacturer === undefined ? null : html`<${PartyBlock} title="Manufacturer" party=${c.manufacturer} role="manufacturer" />`}
    <${CredentialsBlock} credentials=${c.credentials ?? []} notFound=${c.credentialsNotFound ?? []} />
  </div>`;
}

/** What the right's block shows, for its badge to find in the signed right. */
function rightExpect(r: RightEvidence): Expect {
  return {
    kind: 'right',
    fields: { rightsHolder: r.rightsHolder, brands: r.brands, 'marks[].mark': r.marks, 'productFeatures[].name': r.productFeatures, 'attachments[].sha256': r.attachments.map((a) => a.sha256) },
  };
}

interface SignedAttachment {
  readonly sha256: string;
  readonly purpose: string;
  readonly title: string;
}

/** The attachments the verified signed right names (never the node's list). */
function signedAttachments(signed: SignedTxView): readonly SignedAttachment[] {
  const list = (signed.payload as { attachments?: unknown }).attachments;
  if (!Array.isArray(list)) return [];
  return list.filter((a): a is SignedAttachment => typeof a === 'object' && a !== null && typeof (a as SignedAttachment).sha256 === 'string' && typeof (a as SignedAttachment).purpose === 'string' && typeof (a as SignedAttachment).title === 'string');
}

function RightBlock(props: { right: RightEvidence }): VNode {
  const r = props.right;
  const expect = rightExpect(r);
  return html`<div class="sub right">
    <h4>Right of <${Party} lei=${r.rightsHolder} /> ${r.status === 'active' ? html`<${Badge} kind="ok">active, according to this node</${Badge}>` : html`<${Badge} kind="revoked">${r.status}, according to this node</${Badge}>`}</h4>
    <dl class="facts">
      <dt>Brands</dt><dd>${r.brands.join(', ') || '—'}</dd>
      <dt>Marks</dt><dd>${r.marks.join(', ') || '—'}</dd>
      ${r.productFeatures.length === 0 ? null : html`<dt>Features to check</dt><dd>${r.productFeatures.join('; ')}</dd>`}
    </dl>
    <${ProofBadge} txId=${r.rightId} expect=${expect} label="Right" />
    <${RightAttachments} right=${r} expect=${expect} />
  </div>`;
}

/**
 * The right's images and guides, taken from its verified signed bytes and shown only once its
 * badge's check (the same expectation) verified; the node's evidence only says which are uploaded.
 */
function RightAttachments(props: { right: RightEvidence; expect: Expect }): VNode {
  const r = props.right;
  const state = useAsync(`right-attachments:${r.rightId}:${JSON.stringify(props.expect)}`, async () => {
    const [outcome, checked] = await Promise.all([checkTx(r.rightId, undefined, props.expect), verifiedTx(r.rightId)]);
    return outcome.state === 'verified' && checked.signed !== undefined ? { verified: true as const, attachments: signedAttachments(checked.signed) } : { verified: false as const };
  });
  if (state.status === 'loading') return html`<p class="muted" role="status">Checking the right before showing its images…</p>`;
  if (state.status === 'error') return html`<${ErrorAlert} error=${state.error} context="Right's attachments" />`;
  if (!state.value.verified) return html`<p class="muted" data-testid="right-attachments-withheld">The right's images and guides are shown only once its signed bytes are verified.</p>`;
  const uploaded = (sha256: string): boolean => r.attachments.some((a) => a.sha256 === sha256 && a.records.length > 0);
  const images = state.value.attachments.filter((a) => a.purpose === 'image');
  const guides = state.value.attachments.filter((a) => a.purpose !== 'image');
  return html`<div>
    ${images.length === 0 ? html`<p><${Badge} kind="missing">no product image registered</${Badge}></p>` : html`<div class="images">${images.map((a) => (!uploaded(a.sha256) ? html`<p key=${a.sha256}><${Badge} kind="missing">image “${a.title}” not uploaded, according to this node</${Badge}></p>` : html`<${AttachmentImage} key=${a.sha256} sha256=${a.sha256} title=${a.title} />`))}</div>`}
    ${guides.map((a) => (!uploaded(a.sha256) ? html`<p key=${a.sha256}><${Badge} kind="missing">${a.purpose} “${a.title}” not uploaded, according to this node</${Badge}></p>` : html`<${AttachmentGuide} key=${a.sha256} sha256=${a.sha256} title=${a.title} />`))}
  </div>`;
}

const REASON_BADGE: Readonly<Record<string, BadgeKind>> = { REVOKED: 'revoked', NOT_IN_VALIDITY: 'expired', PARENT_NOT_IN_FORCE: 'revoked', OUT_OF_SCOPE: 'missing', RIGHT_INACTIVE: 'revoked', EXPIRED: 'expired', NOT_YET_VALID: 'expired' };

function PartyBlock(props: { title: string; party: PartyCheck; role: string }): VNode {
  const p = props.party;
  return html`<div class="sub party">
    <h4>${props.title} <${Party} lei=${p.lei} /> ${p.licensed ? html`<${Badge} kind="ok">licensed as ${props.role}</${Badge}>` : html`<${Badge} kind="missing">not licensed as ${props.role}</${Badge}>`}</h4>
    ${p.licenses.length === 0 ? html`<p class="muted">No license to this party as ${props.role} covers the GTIN.</p>` : p.licenses.map((l, i) => html`<${ChainBlock} key=${i} evidence=${l} />`)}
  </div>`;
}

function ChainBlock(props: { evidence: LicenseEvidence }): VNode {
  const e = props.evidence;
  const fromHolder = [...e.chain].reverse();
  return html`<div class="chain">
    <p>${e.inForce ? html`<${Badge} kind="ok">in force</${Badge}>` : html`<${Badge} kind=${REASON_BADGE[e.reason ?? ''] ?? 'missing'}>not in force: ${e.reason ?? 'unknown'}</${Badge}>`} <span class="muted">under right ${e.rightId.slice(0, 12)}…</span></p>
    <ol class="chain-links">${fromHolder.map((link) => html`<${LinkItem} key=${link.licenseId} link=${link} rightId=${e.rightId} />`)}</ol>
  </div>`;
}

function LinkItem(props: { link: ChainLinkEvidence; rightId: string }): VNode {
  const l = props.link;
  const expect: Expect = { kind: 'license', fields: { right: props.rightId, licensor: l.licensor, licensee: l.licensee, role: l.role, validFrom: l.validFrom, validTo: l.validTo, territory: l.territory } };
  // A cascade names the parent's revocation, which signs the parent's id.
  const revocationExpect: Expect = { kind: 'license-revoke', fields: { license: l.revocation?.via ?? l.licenseId } };
  return html`<li>
    <${Party} lei=${l.licensor} /> → <${Party} lei=${l.licensee} /> as <strong>${l.role}</strong>, ${l.validFrom} to ${l.validTo}, territory ${l.territory.join(', ')}
    ${' '}${l.status === 'revoked' ? html`<${Badge} kind="revoked">revoked${l.revocation === undefined ? '' : ` at ${isoTime(l.revocation.atMs)}${l.revocation.via === undefined ? '' : ' (with its parent)'}`}</${Badge}>` : l.inForce ? html`<${Badge} kind="ok">in force</${Badge}>` : html`<${Badge} kind="expired">not in validity</${Badge}>`}
    <${ProofBadge} txId=${l.licenseId} expect=${expect} label="License" />
    ${l.revocation === undefined ? null : html`<${ProofBadge} txId=${l.revocation.txId} expect=${revocationExpect} label="Revocation" />`}
  </li>`;
}

function CredentialsBlock(props: { credentials: readonly CredentialEvidence[]; notFound: readonly string[] }): VNode {
  return html`<div class="sub">
    <h4>Licensee credentials</h4>
    ${props.credentials.length === 0 && props.notFound.length === 0 ? html`<p class="muted">No credential is cited by the line or issued to these parties for this GTIN.</p>` : null}
    ${props.notFound.map((id) => html`<p key=${id}><${Badge} kind="missing">cited credential ${id.slice(0, 12)}… not on the ledger</${Badge}></p>`)}
    <ul class="plain">${props.credentials.map((c) => html`<li key=${c.credentialId}>
      <${Party} lei=${c.subjectLei} /> as ${c.role}, ${c.validFrom} to ${c.validUntil}${c.cited ? ' (cited by the line)' : ''}:
      ${' '}${c.verified ? html`<${Badge} kind="ok">in good standing</${Badge}>` : html`<${Badge} kind=${REASON_BADGE[c.reason ?? ''] ?? (c.standing === 'revoked' ? 'revoked' : 'missing')}>${c.reason ?? c.standing}</${Badge}>`}
      ${c.proof.stored ? (c.proof.verified ? html` <span class="muted">signature of the issuer checked by the node</span>` : html` <${Badge} kind="denied">credential proof ${c.proof.code}</${Badge}>`) : null}
      <${ProofBadge} txId=${c.credentialId} expect=${{ kind: 'credential-issue', fields: { 'subject.lei': c.subjectLei, 'subject.role': c.role, validFrom: c.validFrom, validUntil: c.validUntil, license: c.licenseId, credentialHash: c.credentialHash, issuer: c.issuer } }} label="Credential record" />
      ${c.revocation === undefined ? null : html`<${ProofBadge} txId=${c.revocation.txId} expect=${{ kind: 'credential-revoke', fields: { credential: oneOf(c.credentialId, c.credentialHash) } }} label="Credential revocation" />`}
    </li>`)}</ul>
  </div>`;
}

// ---------------------------------------------------------------------------------------------
// Next actions

function NextActions(props: { entry: Entry; entryId: string }): VNode {
  const node = location.origin;
  const certificates = [...new Set(props.entry.lines.map((l) => l.certificate).filter((c): c is string => c !== undefined))];
  const due = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  const request = certificates.map((certificate) => ({
    certificate,
    json: JSON.stringify({ certificate, entry: props.entryId, addressee: '<LEI of the certifier>', method: 'request-for-information', questions: [{ id: 'Q1', text: '<your question>' }], dueDate: due }, null, 2),
  }));
  // Placeholders the ledger refuses until edited: an unedited copy can never record a release.
  const review = JSON.stringify({ entry: props.entryId, decision: '<release | hold | examine>', findings: [{ lineNumber: '<line number>', category: 'origin', text: '<finding>' }], remarks: '' }, null, 2);
  return html`<section class="card" aria-labelledby="next-heading">
    <h2 id="next-heading">Next actions</h2>
    <p class="muted">Run these with customs' signing key (the page never holds keys). Decisions: release, hold or examine.</p>
    ${request.map((r) => html`<div key=${r.certificate}>
      <h3>Request origin verification of certificate ${r.certificate.slice(0, 12)}…</h3>
      <${Copyable} label="request.json" text=${r.json} />
      <${Copyable} label="Command" text=${`tradeledger submit verification-request request.json --key customs.key --node ${node} --wait`} />
    </div>`)}
    <h3>Record the review of this entry</h3>
    <${Copyable} label="review.json" text=${review} />
    <${Copyable} label="Command" text=${`tradeledger submit entry-review review.json --key customs.key --node ${node} --wait`} />
    <h3>Check a line from the command line</h3>
    <${Copyable} label="Command" text=${`tradeledger check entry-line --importer ${props.entry.importer} --gtin <gtin> --date ${props.entry.importDate} --node ${node} --token $TRADELEDGER_TOKEN`} />
  </section>`;
}
