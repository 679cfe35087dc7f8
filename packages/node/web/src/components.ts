// Pieces every view uses: the proof badge, status badges, error alerts, the token form, copyable
// commands, organization names, and the hooks that load data and follow the token and trust.
//
// Owns: how a verdict is worded. Must never: show the word "verified" outside state verified.

import { html } from 'htm/preact';
import type { ComponentChildren, VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, forgetToken, isAuthError, onTokenChange, readToken, saveToken } from './api.js';
import { checkTx, loadTrust, nameOf, onTrust, type TrustState } from './trust.js';
import type { ClaimExpectation, ProofOutcome, ShownDocument } from './verify.js';

// ---------------------------------------------------------------------------------------------
// Hooks

export type Async<T> = { readonly status: 'loading' } | { readonly status: 'done'; readonly value: T } | { readonly status: 'error'; readonly error: ApiError };

function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : 'PAGE_ERROR';
  return new ApiError(code, error instanceof Error ? error.message : String(error), 0);
}

/** Runs `load` when `key` changes (or the token does); stale answers are dropped. */
export function useAsync<T>(key: string, load: () => Promise<T>): Async<T> {
  const token = useToken();
  const [state, setState] = useState<Async<T>>({ status: 'loading' });
  useEffect(() => {
    let live = true;
    setState({ status: 'loading' });
    load().then(
      (value) => live && setState({ status: 'done', value }),
      (error: unknown) => live && setState({ status: 'error', error: asApiError(error) }),
    );
    return () => {
      live = false;
    };
  }, [key, token]);
  return state;
}

export function useToken(): string | undefined {
  const [token, setToken] = useState(readToken);
  useEffect(() => onTokenChange(() => setToken(readToken())), []);
  return token;
}

export function useTrust(): TrustState | undefined {
  const [state, setState] = useState<TrustState | undefined>(undefined);
  useEffect(() => {
    const off = onTrust(setState);
    loadTrust().then(setState, () => undefined); // a failure shows on every badge with its code
    return off;
  }, []);
  return state;
}

// ---------------------------------------------------------------------------------------------
// Small pieces

/** An LEI with the organization's name when the pinned membership names it (never a name the node or a document gives). */
export function Party(props: { lei: string | undefined }): VNode {
  const trust = useTrust();
  if (props.lei === undefined || props.lei === '') return html`<span class="muted">none</span>`;
  const name = nameOf(trust, props.lei);
  return name === undefined ? html`<span class="lei">${props.lei}</span>` : html`<span><span class="org-name">${name}</span> <span class="lei">(${props.lei})</span></span>`;
}

export type BadgeKind = 'ok' | 'missing' | 'revoked' | 'expired' | 'denied' | 'withdrawn' | 'warning' | 'info';

export function Badge(props: { kind: BadgeKind; children: ComponentChildren }): VNode {
  return html`<span class=${`badge badge-${props.kind}`} data-testid="badge" data-badge=${props.kind}>${props.children}</span>`;
}

export function ErrorAlert(props: { error: ApiError; context?: string }): VNode {
  return html`<div class="alert" role="alert"><strong>${props.context === undefined ? '' : `${props.context}: `}${props.error.code}</strong> ${props.error.message}</div>`;
}

export function Loading(props: { what: string }): VNode {
  return html`<p class="muted" role="status">Loading ${props.what}…</p>`;
}

export function Copyable(props: { label: string; text: string }): VNode {
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = (): void => {
    navigator.clipboard.writeText(props.text).then(
      () => setCopied('copied'),
      () => setCopied('failed'),
    );
  };
  return html`<div class="copyable">
    <p class="copy-label">${props.label}</p>
    <div class="copy-row">
      <pre><code>${props.text}</code></pre>
      <button type="button" class="secondary" onClick=${copy} aria-label=${`Copy: ${props.label}`}>${copied === 'copied' ? 'Copied' : 'Copy'}</button>
    </div>
    ${copied === 'failed' ? html`<p class="muted" role="status">The browser refused the clipboard: select the text and copy it.</p>` : null}
  </div>`;
}

export function isoTime(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

export function shortHex(hex: string, chars = 12): string {
  return hex.length <= chars ? hex : `${hex.slice(0, chars)}…`;
}

// ---------------------------------------------------------------------------------------------
// The proof badge

export function proofText(outcome: ProofOutcome | undefined, total: number | undefined): string {
  if (outcome === undefined) return '… checking the proof against the certified head';
  switch (outcome.state) {
    case 'verified':
      return `✓ verified in certified head #${outcome.height} (${outcome.organizations.length} of ${total ?? outcome.organizations.length} organizations cosigned, ${outcome.threshold} needed)`;
    case 'unavailable':
      return `◐ ${outcome.reason}`;
    case 'failed':
      return `✗ not verified: ${outcome.code} ${outcome.reason}`;
  }
}

// One summary of every badge on the page, read out politely (instead of a live region per badge).
type BadgeState = 'checking' | ProofOutcome['state'];
const badgeStates = new Map<number, BadgeState>();
const summaryListeners = new Set<() => void>();
let nextBadgeId = 1;

function setBadgeState(id: number, state: BadgeState | undefined): void {
  if (state === undefined) badgeStates.delete(id);
  else badgeStates.set(id, state);
  summaryListeners.forEach((listener) => listener());
}

export function summaryText(states: readonly BadgeState[]): string {
  if (states.length === 0) return '';
  const count = (s: BadgeState): number => states.filter((x) => x === s).length;
  const documents = (n: number): string => `${n} document${n === 1 ? '' : 's'}`;
  const [checking, verified, failedCount, notChecked] = [count('checking'), count('verified'), count('failed'), count('unavailable')];
  if (notChecked === states.length) return `${documents(notChecked)} not checked: their signed bytes need an access token`;
  const parts = [`${verified} of ${documents(states.length)} verified`];
  if (failedCount > 0) parts.push(`${failedCount} failed`);
  if (notChecked > 0) parts.push(`${notChecked} not checked`);
  if (checking > 0) parts.push(`${checking} still checking`);
  return parts.join(', ');
}

/** The page's one polite live region: how many of the documents shown are verified so far. */
export function ProofSummary(): VNode {
  const [text, setText] = useState('');
  useEffect(() => {
    const update = (): void => setText(summaryText([...badgeStates.values()]));
    summaryListeners.add(update);
    update();
    return () => {
      summaryListeners.delete(update);
    };
  }, []);
  return html`<p class="proof-summary" data-testid="proof-summary" role="status" aria-live="polite">${text}</p>`;
}

/** The parts of a document the badge compares with its signed bytes (see verify.ts checkShownContent). */
export type ShownDoc = ShownDocument;

/** What a view shows about a transaction, to be found in its signed bytes (see verify.ts checkClaims). */
export type Expect = ClaimExpectation;

/**
 * One per document shown: runs the in-page check of transaction `txId` and shows its verdict.
 * With `doc` (a /v1/documents or /v1/query/entry answer) the verdict also covers what is shown;
 * with `expect`, the kind and values the view shows must be the signed ones.
 */
export function ProofBadge(props: { txId: string; label?: string; doc?: ShownDoc | undefined; expect?: Expect | undefined }): VNode {
  const token = useToken();
  const trust = useTrust();
  const [outcome, setOutcome] = useState<ProofOutcome | undefined>(undefined);
  const [attempt, setAttempt] = useState(0);
  const [id] = useState(() => nextBadgeId++);
  useEffect(() => () => setBadgeState(id, undefined), []);
  // By value: views build `expect` afresh on each render.
  const expectKey = props.expect === undefined ? '' : JSON.stringify(props.expect);
  useEffect(() => {
    let live = true;
    setOutcome(undefined);
    setBadgeState(id, 'checking');
    void checkTx(props.txId, props.doc, props.expect).then((value) => {
      if (!live) return;
      setOutcome(value);
      setBadgeState(id, value.state);
    });
    return () => {
      live = false;
    };
  }, [props.txId, props.doc, expectKey, token, attempt]);
  const state = outcome === undefined ? 'checking' : outcome.state;
  const total = trust?.anchor.membership.organizations.filter((o) => o.nodeKeys.length > 0).length;
  const code = outcome?.state === 'failed' ? outcome.code : undefined;
  return html`<p class=${`proof proof-${state}`} data-testid="proof" data-tx-id=${props.txId} data-proof-state=${state} data-proof-code=${code}>
    ${props.label === undefined ? null : html`<span class="proof-label">${props.label}: </span>`}<span class="proof-text">${proofText(outcome, total)}</span>${' '}
    <a class="proof-link" href=${`/app/ledger/tx/${props.txId}`}>tx ${shortHex(props.txId)}</a>
    ${state === 'failed' ? html` <button type="button" class="secondary small" onClick=${() => setAttempt(attempt + 1)}>Check again</button>` : null}
  </p>`;
}

// ---------------------------------------------------------------------------------------------
// The token form

export function TokenForm(props: { reason?: string }): VNode {
  const token = useToken();
  const [value, setValue] = useState('');
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const submit = (event: Event): void => {
    event.preventDefault();
    try {
      saveToken(value);
      setValue('');
      setError(undefined);
    } catch (e) {
      setError(asApiError(e));
    }
  };
  return html`<form class="token-form card" onSubmit=${submit} aria-labelledby="token-heading">
    <h2 id="token-heading">Members' access</h2>
    ${props.reason === undefined ? null : html`<p class="notice">${props.reason}</p>`}
    ${token === undefined
      ? html`<p class="muted">Entries and the ledger are for member organizations. Paste the access token your node's operator issued (<code>tradeledger dev</code> prints one per demo organization). It is kept for this tab only.</p>`
      : html`<p>A token is set for this tab. <button type="button" class="secondary" onClick=${forgetToken}>Forget the token</button></p>`}
    <label for="token">Access token</label>
    <div class="row">
      <input id="token" name="token" type="password" autocomplete="off" spellcheck=${false} value=${value} onInput=${(e: Event) => setValue((e.currentTarget as HTMLInputElement).value)} />
      <button type="submit">${token === undefined ? 'Use token' : 'Replace token'}</button>
    </div>
    ${error === undefined ? null : html`<${ErrorAlert} error=${error} />`}
  </form>`;
}

/** For member views: the token form when there is no token or the node refused it, else nothing. */
export function needsToken(token: string | undefined, error: ApiError | undefined): VNode | null {
  if (token === undefined) return html`<${TokenForm} reason="This view needs your organization's access token." />`;
  if (error !== undefined && isAuthError(error)) return html`<${TokenForm} reason=${`The node refused the token (${error.code}: ${error.message}). Enter a valid one.`} />`;
  return null;
}
