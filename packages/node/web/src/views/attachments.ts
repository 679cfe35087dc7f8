// The right's attachments, which are members-only bytes: images shown inline and product guides
// opened from a blob, both fetched with the token and never from anywhere but this node.

import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { getBlob } from '../api.js';
import { ErrorAlert, useAsync } from '../components.js';

function useObjectUrl(sha256: string): ReturnType<typeof useAsync<{ url: string; type: string }>> {
  const state = useAsync(`attachment:${sha256}`, async () => {
    const blob = await getBlob(`/v1/attachments/${sha256}`);
    return { url: URL.createObjectURL(blob), type: blob.type };
  });
  useEffect(() => () => {
    if (state.status === 'done') URL.revokeObjectURL(state.value.url);
  }, [state]);
  return state;
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
