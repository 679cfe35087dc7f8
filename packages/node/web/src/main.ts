import { toHex } from '@tradeledger/ledger/browser';

const root = document.getElementById('app');
if (root !== null) root.textContent = `tradeledger ${toHex(new Uint8Array([1]))}`;
