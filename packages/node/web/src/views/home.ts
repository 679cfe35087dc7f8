// The start page: what the page is, the three views, and the token form.

import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { TokenForm } from '../components.js';
import { paths } from '../router.js';

export function HomeView(): VNode {
  return html`<section aria-labelledby="home-heading">
    <h1 id="home-heading">tradeledger</h1>
    <p class="lead">The ledger that customs and the trade run together. This page is served by one member's node. Each document's badge is checked here in your browser: its signed bytes, and their inclusion under a head cosigned by a quorum of member organizations. What the page says about status (in force, withdrawn, reviewed, late) is that node's answer, marked “according to this node”; and the page's own code comes from that node too, so you still rely on it to serve the page honestly.</p>
    <ul class="cards">
      <li class="card"><h2><a href=${paths.entry()}>Entry review</a></h2><p>For customs specialists: an entry's lines with their certificates of origin, the license chain from the rights holder, the product images and guides, and what to do next.</p></li>
      <li class="card"><h2><a href=${paths.product()}>Product check</a></h2><p>For anyone: who owns a brand and who is licensed to make, import and sell a product, by its barcode number (GTIN). No token needed.</p></li>
      <li class="card"><h2><a href=${paths.ledger()}>Ledger</a></h2><p>For members: the certified head, recent blocks, and any document's inclusion proof.</p></li>
    </ul>
    <${TokenForm} />
  </section>`;
}
