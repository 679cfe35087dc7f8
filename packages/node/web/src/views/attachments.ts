// The right's attachments, which are members-only bytes: images shown inline and product guides
// opened from a blob, both fetched with the token and never from anywhere but this node.

import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { sha256Portable, toHex } from '@tradeledger/ledger/browser';
import { ApiError, getBlob } from '../api.js';
import { ErrorAlert, useAsync, useToken, type Async } from '../components.js';

/** The attachment's bytes, shown only when they hash to the SHA-256 the right names. */
async function checkedBlob(sha256: string): Promise<Blob> {
  const blob = await getBlob(`/v1/attachments/${sha256}`);
  const digest = toHex(sha256Portable(new Uint8Array(await blob.arrayBuffer())));
  if (digest !== sha256) throw new ApiError('ATTACHMENT_HASH_MISMATCH', `the node sent bytes whose SHA-256 is ${digest}, not ${sha256}: not shown`, 200);
  return blob;
}

/** An object URL for the checked bytes, revoked when the component unmounts or the bytes change. */
function useObjectUrl(sha256: string): Async<{ url: string; type: string }> {
  const token = useToken();
  const blob = useAsync(`attachment:${sha256}`, () => checkedBlob(sha256));
  const [url, setUrl] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (blob.status !== 'done') return undefined;
    const created = URL.createObjectURL(blob.value);
    setUrl(created);
    return () => {
      URL.revokeObjectURL(created);
      setUrl(undefined);
    };
  }, [blob, token]);
  if (blob.status !== 'done') return blob;
  return url === undefined ? { status: 'loading' } : { status: 'done', value: { url, type: blob.value.type } };
}

export function AttachmentImage(props: { sha256: string; title: string }): VNode {
  const state = useObjectUrl(props.sha256);
  if (state.status === 'loading') return html`<p class="muted" role="status">Loading image “${props.title}”…</p>`;
  if (state.status === 'error') return html`<${ErrorAlert} error=${state.error} context=${`Image “${props.title}”`} />`;
  return html`<figure class="attachment-image"><img data-testid="right-image" src=${state.value.url} alt=${props.title} /><figcaption>${props.title}</figcaption></figure>`;
}

export function AttachmentGuide(props: { sha256: string; title: string }): VNode {
  const state = useObjectUrl(props.sha256);
  const [blocked, setBlocked] = useState(false);
  if (state.status === 'loading') return html`<p class="muted" role="status">Loading guide “${props.title}”…</p>`;
  if (state.status === 'error') return html`<${ErrorAlert} error=${state.error} context=${`Guide “${props.title}”`} />`;
  const open = (): void => {
    const opened = window.open(state.value.url, '_blank');
    if (opened === null) setBlocked(true);
    else opened.opener = null;
  };
  return html`<div class="guide" data-testid="product-guide">
    <span class="guide-title">${props.title}</span> <span class="muted">(${state.value.type || 'file'})</span>
    <div class="row">
      <button type="button" class="secondary" onClick=${open}>Open guide</button>
      <a class="button-link" href=${state.value.url} download=${`${props.sha256}${extensionOf(state.value.type)}`}>Download</a>
    </div>
    ${blocked ? html`<p class="muted">The browser blocked the new tab; use Download.</p>` : null}
  </div>`;
}

function extensionOf(type: string): string {
  if (type === 'application/pdf') return '.pdf';
  if (type === 'text/plain') return '.txt';
  if (type.startsWith('image/')) return `.${type.slice(6)}`;
  return '';
}
