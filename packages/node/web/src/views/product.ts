// The public product check (also at /01/{gtin}, the GS1 Digital Link path): who holds the rights,
// who is licensed to make, import and sell the product, and whether a given seller is among them,
// in plain words for a phone screen. Works without a token; with one, the proofs bind the bytes.

import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { getJson, segment } from '../api.js';
import { ErrorAlert, isoTime, Loading, Party, ProofBadge, useAsync, useTrust } from '../components.js';
import { nameOf } from '../trust.js';
import { leiProblem } from '../lei.js';
import { navigate, paths } from '../router.js';
import type { ProductCheck } from '../types.js';

const ROLE_WORDS: Readonly<Record<string, string>> = { manufacturer: 'make', importer: 'import', retailer: 'sell' };

export function ProductView(props: { gtin: string | undefined; seller: string | undefined }): VNode {
  const [gtin, setGtin] = useState(props.gtin ?? '');
  const [seller, setSeller] = useState(props.seller ?? '');
  const [sellerError, setSellerError] = useState<string | undefined>(undefined);
  const submit = (event: Event): void => {
    event.preventDefault();
    const lei = seller.trim().toUpperCase();
    const problem = lei === '' ? undefined : leiProblem(lei);
    setSellerError(problem);
    if (problem === undefined && gtin.trim() !== '') navigate(paths.product(gtin.trim(), lei));
  };
  const input = (set: (v: string) => void) => (e: Event) => set((e.currentTarget as HTMLInputElement).value);
  return html`<section aria-labelledby="product-heading">
    <h1 id="product-heading">Is this product genuine?</h1>
    <form class="search card" onSubmit=${submit} role="search">
      <label for="gtin">GTIN</label>
      <input id="gtin" name="gtin" inputmode="numeric" autocomplete="off" value=${gtin} onInput=${input(setGtin)} aria-describedby="gtin-help" />
      <p id="gtin-help" class="muted">The number under the barcode (8, 12, 13 or 14 digits).</p>
      <label for="seller">Seller LEI (optional)</label>
      <input id="seller" name="seller" autocomplete="off" spellcheck=${false} value=${seller} onInput=${input(setSeller)} aria-invalid=${sellerError === undefined ? undefined : 'true'} aria-describedby=${sellerError === undefined ? undefined : 'seller-error'} />
      ${sellerError === undefined ? null : html`<p id="seller-error" class="field-error" role="alert" data-testid="seller-error">${sellerError}</p>`}
      <button type="submit">Check product</button>
    </form>
    ${props.gtin === undefined ? null : html`<${ProductAnswer} key=${`${props.gtin}|${props.seller ?? ''}`} gtin=${props.gtin} seller=${props.seller} />`}
  </section>`;
}

function ProductAnswer(props: { gtin: string; seller: string | undefined }): VNode {
  const sellerProblem = props.seller === undefined ? undefined : leiProblem(props.seller);
  if (sellerProblem !== undefined) return html`<div class="alert" role="alert" data-testid="seller-error">${sellerProblem}</div>`;
  return html`<${ProductCheckAnswer} gtin=${props.gtin} seller=${props.seller} />`;
}

function ProductCheckAnswer(props: { gtin: string; seller: string | undefined }): VNode {
  const path = `/v1/check/product/${segment(props.gtin)}${props.seller === undefined ? '' : `?seller=${encodeURIComponent(props.seller)}`}`;
  const state = useAsync(path, async () => (await getJson(path)) as ProductCheck);
  if (state.status === 'loading') return html`<${Loading} what=${`product ${props.gtin}`} />`;
  if (state.status === 'error') return html`<${ErrorAlert} error=${state.error} context="Product check" />`;
  const p = state.value;
  if (p.rightsHolders.length === 0) {
    return html`<div class="card" role="status"><h2>GTIN ${p.gtin14}</h2><p class="big">No rights holder has registered this product on the ledger.</p>
      <p class="muted">That does not make it fake: the brand may not take part in this ledger.</p></div>`;
  }
  const brands = [...new Set(p.rightsHolders.flatMap((r) => r.brands))];
  return html`<article class="card product" aria-labelledby="product-title">
    <h2 id="product-title">${brands.join(', ') || 'Product'} <span class="muted">GTIN ${p.gtin14}</span></h2>
    ${p.seller === undefined ? null : html`<${SellerVerdict} seller=${p.seller} />`}
    <h3>Brand owner, according to this node</h3>
    <ul class="plain">${p.rightsHolders.map((r) => html`<li key=${r.rightId}>
      <${Party} lei=${r.lei} /> owns ${r.brands.length === 0 ? 'the rights' : `the brand${r.brands.length > 1 ? 's' : ''} ${r.brands.join(', ')}`}${r.marks.length === 0 ? '' : ` (marks: ${r.marks.join(', ')})`}.
      <${ProofBadge} txId=${r.rightId} expect=${{ kind: 'right', fields: { rightsHolder: r.lei, brands: r.brands, 'marks[].mark': r.marks } }} label="Right" />
    </li>`)}</ul>
    <h3>Who may make, import and sell it, according to this node</h3>
    ${p.licensed.length === 0 ? html`<p>Nobody holds a license in force for this product right now.</p>` : html`<ul class="plain">${p.licensed.map((l) => html`<li key=${l.licenseId}>
      <${Party} lei=${l.lei} /> is licensed to <strong>${ROLE_WORDS[l.role] ?? l.role}</strong> it (${l.role}) in ${l.territory.join(', ')}, until ${l.validTo}.
      <${ProofBadge} txId=${l.licenseId} expect=${{ kind: 'license', fields: { licensee: l.lei, role: l.role, territory: l.territory, validTo: l.validTo } }} label="License" />
    </li>`)}</ul>`}
    <p class="muted">As of ${isoTime(p.asOfMs)}. Who holds which license is this node's answer; the badges show what this page could check itself.</p>
  </article>`;
}

/**
 * The node's verdict on the seller, worded as its claim. `seller.licensed` is true for a license
 * in ANY role, so "licensed to sell" is said only for the retailer role.
 */
function SellerVerdict(props: { seller: NonNullable<ProductCheck['seller']> }): VNode {
  const name = nameOf(useTrust(), props.seller.lei);
  const who = name === undefined ? props.seller.lei : `${name} (${props.seller.lei})`;
  const roles = props.seller.roles;
  if (roles.includes('retailer')) {
    return html`<p class="verdict verdict-yes" data-testid="product-verdict" data-licensed="true" role="status">According to this node, ${who} is licensed to sell this product (as retailer).</p>`;
  }
  if (props.seller.licensed && roles.length > 0) {
    return html`<p class="verdict verdict-no" data-testid="product-verdict" data-licensed="false" role="status">According to this node, ${who} is licensed as ${roles.join(' and ')}, not to sell this product.</p>`;
  }
  return html`<p class="verdict verdict-no" data-testid="product-verdict" data-licensed="false" role="status">According to this node, ${who} is not licensed to sell this product.</p>`;
}
