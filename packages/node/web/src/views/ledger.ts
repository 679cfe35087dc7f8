// The ledger itself for members: the certified head with its own signature check, the node's
// current head, the last blocks, and any transaction with its inclusion proof and badge.

import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { getJson, type ApiError } from '../api.js';
import { ErrorAlert, isoTime, Loading, needsToken, Party, ProofBadge, shortHex, useAsync, useToken, useTrust } from '../components.js';
import { navigate, paths } from '../router.js';
import { currentCertifiedHead, verifiedTx } from '../trust.js';
import { checkHead } from '../verify.js';

/** Blocks listed under the head. */
const RECENT_BLOCKS = 10;

interface HeaderView {
  readonly height: number;
  readonly hash: string;
  readonly logSize: number;
  readonly logRoot: string;
  readonly timestamp: number;
  readonly proposer: string;
}
interface BlockView {
  readonly header: HeaderView;
  readonly txs: ReadonlyArray<{ readonly txId: string; readonly position: number; readonly result: { ok: boolean; code?: string } | null }>;
}
interface TxView {
  readonly status: 'pending' | 'committed';
  readonly txId: string;
  readonly height?: number;
  readonly leafIndex?: number;
  readonly result?: { ok: boolean; code?: string; message?: string };
  readonly tx: { readonly kind: string; readonly signer: string; readonly signerLei?: string; readonly timestamp: number; readonly nonce: number; readonly payload: unknown };
}

export function LedgerView(props: { txId: string | undefined }): VNode {
  const token = useToken();
  return html`<section aria-labelledby="ledger-heading">
    <h1 id="ledger-heading">Ledger</h1>
    <${CertifiedHeadPanel} />
    ${token === undefined ? needsToken(token, undefined) : html`<${TxLookup} txId=${props.txId} /><${RecentBlocks} />`}
  </section>`;
}

function CertifiedHeadPanel(): VNode {
  const trust = useTrust();
  const state = useAsync('certified-head', () => currentCertifiedHead());
  const current = useAsync('head', async () => (await getJson('/v1/head', undefined)) as HeaderView);
  let body: VNode;
  if (state.status === 'loading' || trust === undefined) body = html`<${Loading} what="the certified head" />`;
  else if (state.status === 'error') body = html`<${ErrorAlert} error=${state.error} context="Certified head" />`;
  else {
    const check = checkHead(state.value, trust.anchor.membership);
    body = check.ok
      ? html`<dl class="facts">
          <dt>Height</dt><dd>${check.height}</dd>
          <dt>Log size</dt><dd>${check.logSize} transactions</dd>
          <dt>Log root</dt><dd><code class="hex">${check.logRoot}</code></dd>
          <dt>Block hash</dt><dd><code class="hex">${check.blockHash}</code></dd>
          <dt>Cosigned by</dt><dd><ul class="plain">${check.organizations.map((lei) => html`<li key=${lei}><${Party} lei=${lei} /></li>`)}</ul></dd>
          <dt>Signatures</dt><dd class="sig-ok">✓ ${check.organizations.length} member organizations' signatures checked in this page (${check.threshold} needed)${check.ignored.length === 0 ? '' : `; ${check.ignored.length} not counted (${check.ignored.map((i) => i.reason).join(', ')})`}</dd>
        </dl>`
      : html`<div class="alert" role="alert"><strong>The certified head does not check out: ${check.code}</strong> ${check.reason}</div>`;
  }
  return html`<section class="card" data-testid="certified-head" aria-labelledby="head-heading">
    <h2 id="head-heading">Certified head</h2>
    ${body}
    <h3>This node's current head</h3>
    ${current.status === 'loading' ? html`<${Loading} what="the head" />` : current.status === 'error' ? html`<${ErrorAlert} error=${current.error} context="Head" />` : html`<p>Height ${current.value.height}, log size ${current.value.logSize}, at ${isoTime(current.value.timestamp)}, block <code class="hex">${shortHex(current.value.hash, 16)}</code></p>`}
  </section>`;
}

/** The organization whose node key proposed a block, from the trusted membership. */
function Proposer(props: { nodeKey: string }): VNode {
  const trust = useTrust();
  const lei = trust?.anchor.membership.organizations.find((o) => o.nodeKeys.includes(props.nodeKey))?.lei;
  return lei === undefined ? html`<code class="hex">${shortHex(props.nodeKey)}</code>` : html`<${Party} lei=${lei} />`;
}

function RecentBlocks(): VNode {
  const state = useAsync('recent-blocks', async () => {
    const head = (await getJson('/v1/head', undefined)) as HeaderView;
    const heights = Array.from({ length: Math.min(RECENT_BLOCKS, head.height) }, (_, i) => head.height - i).filter((h) => h >= 1);
    return Promise.all(heights.map((h) => getJson(`/v1/blocks/${h}`) as Promise<BlockView>));
  });
  const [open, setOpen] = useState<number | undefined>(undefined);
  if (state.status === 'loading') return html`<${Loading} what="recent blocks" />`;
  if (state.status === 'error') return authOr(state.error, 'Blocks');
  return html`<section class="card" aria-labelledby="blocks-heading">
    <h2 id="blocks-heading">Recent blocks</h2>
    <table class="stack blocks">
      <thead><tr><th scope="col">Height</th><th scope="col">Time</th><th scope="col">Transactions</th><th scope="col">Proposer</th><th scope="col">Hash</th></tr></thead>
      <tbody>${state.value.map((b) => html`
        <tr key=${b.header.height} data-testid="block-row">
          <td data-label="Height"><button type="button" class="linklike" aria-expanded=${open === b.header.height} onClick=${() => setOpen(open === b.header.height ? undefined : b.header.height)}>#${b.header.height}</button></td>
          <td data-label="Time">${isoTime(b.header.timestamp)}</td>
          <td data-label="Transactions">${b.txs.length}</td>
          <td data-label="Proposer"><${Proposer} nodeKey=${b.header.proposer} /></td>
          <td data-label="Hash"><code class="hex">${shortHex(b.header.hash)}</code></td>
        </tr>
        ${open === b.header.height ? html`<tr class="block-txs"><td colspan="5"><ul class="plain">${b.txs.map((t) => html`<li key=${t.txId}><a href=${paths.tx(t.txId)}><code class="hex">${t.txId}</code></a> ${t.result === null ? '' : t.result.ok ? '' : `(recorded, rejected: ${t.result.code ?? ''})`}</li>`)}</ul></td></tr>` : null}`)}
      </tbody>
    </table>
  </section>`;
}

function authOr(error: ApiError, context: string): VNode {
  return needsToken('set', error) ?? html`<${ErrorAlert} error=${error} context=${context} />`;
}

function TxLookup(props: { txId: string | undefined }): VNode {
  const [draft, setDraft] = useState(props.txId ?? '');
  const submit = (event: Event): void => {
    event.preventDefault();
    const id = draft.trim().toLowerCase();
    if (id !== '') navigate(paths.tx(id));
  };
  return html`<section class="card" aria-labelledby="tx-heading">
    <h2 id="tx-heading">Document or transaction</h2>
    <form class="search" onSubmit=${submit} role="search">
      <label for="tx-id">Document / transaction id</label>
      <div class="row">
        <input id="tx-id" name="tx-id" autocomplete="off" spellcheck=${false} value=${draft} onInput=${(e: Event) => setDraft((e.currentTarget as HTMLInputElement).value)} />
        <button type="submit">Show</button>
      </div>
    </form>
    ${props.txId === undefined ? null : html`<${TxDetail} key=${props.txId} txId=${props.txId} />`}
  </section>`;
}

function TxDetail(props: { txId: string }): VNode {
  const tx = useAsync(`tx:${props.txId}`, async () => (await getJson(`/v1/tx/${encodeURIComponent(props.txId)}`)) as TxView);
  const proof = useAsync(`proof:${props.txId}`, () => getJson(`/v1/proof/inclusion/${encodeURIComponent(props.txId)}?at=certified`, undefined));
  const signer = useAsync(`signer:${props.txId}`, async () => {
    // Documents record their signer's organization; other transactions (governance) may not be documents.
    const doc = (await getJson(`/v1/documents/${encodeURIComponent(props.txId)}`).catch(() => undefined)) as { record?: { signerLei?: string } } | undefined;
    return doc?.record?.signerLei;
  });
  // The payload shown is the one decoded from the verified signed bytes, never the JSON rendering.
  const signed = useAsync(`signed:${props.txId}`, () => verifiedTx(props.txId));
  if (tx.status === 'loading') return html`<${Loading} what="the transaction" />`;
  if (tx.status === 'error') return authOr(tx.error, 'Transaction');
  const t = tx.value;
  const signerLei = t.tx.signerLei ?? (signer.status === 'done' ? signer.value : undefined);
  const p = proof.status === 'done' ? (proof.value as { proof?: { auditPath?: string[]; leafIndex?: number; treeSize?: number } }).proof : undefined;
  // Kind, signer and time come from the verified signed envelope of the id asked for, never from the JSON.
  const envelope = signed.status === 'done' ? signed.value.signed : undefined;
  const notYet = html`<span class="muted">${signed.status === 'loading' ? 'checking the signed bytes…' : 'not shown: the signed bytes are not verified'}</span>`;
  return html`<article class="tx" aria-label="Transaction">
    <dl class="facts">
      <dt>Id</dt><dd><code class="hex">${props.txId}</code></dd>
      <dt>Kind</dt><dd data-testid="tx-kind">${envelope === undefined ? notYet : envelope.kind}</dd>
      <dt>Signer key</dt><dd data-testid="tx-signer">${envelope === undefined ? notYet : html`<code class="hex">${envelope.signer}</code>`}</dd>
      <dt>Signer's organization, according to this node</dt><dd>${signerLei === undefined ? html`<span class="muted">not named</span>` : html`<${Party} lei=${signerLei} />`}</dd>
      <dt>Time</dt><dd data-testid="tx-time">${envelope === undefined ? notYet : isoTime(envelope.timestamp)}</dd>
      <dt>Status, according to this node</dt><dd>${t.status}${t.height === undefined ? '' : `, block ${t.height}`}${t.result === undefined ? '' : t.result.ok ? ', applied' : `, recorded without effect: ${t.result.code ?? ''}`}</dd>
    </dl>
    <${ProofBadge} txId=${props.txId} label="Inclusion" />
    <h3>Payload</h3>
    ${signed.status === 'loading'
      ? html`<${Loading} what="the signed bytes" />`
      : signed.status === 'error'
        ? html`<${ErrorAlert} error=${signed.error} context="Signed bytes" />`
        : signed.value.signed !== undefined
          ? html`<p class="muted">Decoded from the transaction's signed bytes (kind ${signed.value.signed.kind}, signed at ${isoTime(signed.value.signed.timestamp)}).</p>
            <pre class="json" data-testid="tx-payload"><code>${JSON.stringify(signed.value.signed.payload, null, 2)}</code></pre>`
          : html`<p class="notice" data-testid="tx-payload-unverified">The payload is not shown: ${signed.value.outcome.state === 'failed' ? `the signed bytes did not verify (${signed.value.outcome.code})` : signed.value.outcome.state === 'unavailable' ? signed.value.outcome.reason : 'not decoded'}.</p>`}
    <h3>Inclusion proof</h3>
    ${proof.status === 'loading' ? html`<${Loading} what="the proof" />` : proof.status === 'error' ? html`<${ErrorAlert} error=${proof.error} context="Proof" />` : html`
      <p>Leaf ${p?.leafIndex ?? '?'} of ${p?.treeSize ?? '?'}; audit path (leaf to root):</p>
      <ol class="audit-path">${(p?.auditPath ?? []).map((h, i) => html`<li key=${i}><code class="hex">${h}</code></li>`)}</ol>
      <details><summary>Proof JSON</summary><pre class="json"><code>${JSON.stringify(proof.value, null, 2)}</code></pre></details>`}
  </article>`;
}
