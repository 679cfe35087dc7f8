// The web page every node serves at /app (and /01/{gtin}): the shell (header, navigation, the
// membership banner) and the routed views. See verify.ts for what "verified" means here.

import { html } from 'htm/preact';
import { render, type VNode } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { forgetToken } from './api.js';
import { ProofSummary, useToken, useTrust } from './components.js';
import { onLinkClick, paths, useRoute, type Route } from './router.js';
import { acceptServedMembership, type TrustState } from './trust.js';
import { EntryView } from './views/entry.js';
import { HomeView } from './views/home.js';
import { LedgerView } from './views/ledger.js';
import { ProductView } from './views/product.js';
import './style.css';

function MembershipBanner(props: { trust: TrustState | undefined }): VNode | null {
  const change = props.trust?.change;
  if (props.trust === undefined || change === undefined) return null;
  const trust = props.trust;
  return html`<div class="banner-warning" role="alert" data-testid="membership-change">
    <p><strong>The node now serves a different membership than the one this browser pinned.</strong> Proofs are still checked against the pinned membership (chain <code>${change.pinned.membership.chainId}</code>, fingerprint <code>${change.pinned.fingerprint}</code>); the node serves chain <code>${change.served.membership.chainId}</code>, fingerprint <code>${change.served.fingerprint}</code>. Accept it only if you know the members changed (a governance decision).</p>
    <button type="button" onClick=${() => acceptServedMembership(trust)}>Accept the new membership</button>
  </div>`;
}

function View(props: { route: Route }): VNode {
  const r = props.route;
  switch (r.view) {
    case 'home':
      return html`<${HomeView} />`;
    case 'entry':
      return html`<${EntryView} key=${r.entryNumber ?? ''} entryNumber=${r.entryNumber} />`;
    case 'product':
      return html`<${ProductView} key=${`${r.gtin ?? ''}|${r.seller ?? ''}`} gtin=${r.gtin} seller=${r.seller} />`;
    case 'ledger':
      return html`<${LedgerView} key=${r.txId ?? ''} txId=${r.txId} />`;
    case 'not-found':
      return html`<section><h1>Not found</h1><p role="alert">There is no page at ${r.path}. <a href=${paths.home()}>Start page</a></p></section>`;
  }
}

/** The tab's title for a route (also what a screen reader announces after navigation). */
export function titleOf(route: Route): string {
  const suffix = ' — tradeledger';
  switch (route.view) {
    case 'home':
      return 'tradeledger';
    case 'entry':
      return (route.entryNumber === undefined ? 'Entry review' : `Entry ${route.entryNumber}`) + suffix;
    case 'product':
      return (route.gtin === undefined ? 'Product check' : `Product ${route.gtin}`) + suffix;
    case 'ledger':
      return (route.txId === undefined ? 'Ledger' : `Transaction ${route.txId.slice(0, 12)}…`) + suffix;
    case 'not-found':
      return `Not found${suffix}`;
  }
}

function App(): VNode {
  const route = useRoute();
  const firstRender = useRef(true);
  useEffect(() => {
    document.title = titleOf(route);
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    // Client-side navigation: move focus to the new view's heading, as a page load would start there.
    const heading = document.querySelector<HTMLElement>('main h1');
    if (heading !== null) {
      heading.setAttribute('tabindex', '-1');
      heading.focus();
    }
  }, [route]);
  const trust = useTrust();
  const token = useToken();
  const current = (view: Route['view']): 'page' | undefined => (route.view === view ? 'page' : undefined);
  return html`<div class="shell" onClick=${onLinkClick}>
    <a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <a class="brand" href=${paths.home()}>tradeledger</a>
      <nav aria-label="Views">
        <ul>
          <li><a href=${paths.entry()} aria-current=${current('entry')}>Entry</a></li>
          <li><a href=${paths.product()} aria-current=${current('product')}>Product</a></li>
          <li><a href=${paths.ledger()} aria-current=${current('ledger')}>Ledger</a></li>
        </ul>
      </nav>
      ${token === undefined ? null : html`<button type="button" class="secondary small" onClick=${forgetToken}>Forget token</button>`}
    </header>
    <${MembershipBanner} trust=${trust} />
    <main id="main" tabindex="-1"><${ProofSummary} /><${View} route=${route} /></main>
    <footer class="foot">
      ${trust === undefined ? html`<span>Loading the membership…</span>` : html`<span data-testid="membership-fingerprint">Trusted membership of ${trust.chainId}: fingerprint <code>${trust.anchor.fingerprint}</code> (${trust.firstUse ? 'pinned now, on first use' : 'pinned in this browser'}; ${trust.anchor.membership.organizations.length} organizations, ${trust.anchor.membership.threshold} must cosign).</span>`}
    </footer>
  </div>`;
}

const root = document.getElementById('app');
if (root === null) throw new Error('index.html has no #app element');
render(html`<${App} />`, root);
