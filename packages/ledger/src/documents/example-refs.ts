// References between documents are document ids: the lower-case hex transaction id of the
// transaction that created the referenced document, known only once it is signed. Example payloads
// (examples/*.json) write a reference as the placeholder "{{ref:NAME}}", NAME being a submission's
// name in examples/manifest.json; tools replace each with the id of that submission's transaction.

import { LedgerError } from '../errors.js';

/** A whole string that is a placeholder: "{{ref:certificate-of-origin}}". */
export const EXAMPLE_REF_PATTERN = /^\{\{ref:([a-z0-9][a-z0-9-]{0,63})\}\}$/;
const DOCUMENT_ID_PATTERN = /^[0-9a-f]{64}$/;
/** Bounds the walk over a payload (the tx envelope bounds depth; this bounds the work). */
const EXAMPLE_MAX_NODES = 100_000;

/** The placeholder names a payload uses, sorted and unique. */
export function exampleRefNames(payload: unknown): string[] {
  const names = new Set<string>();
  const stack: unknown[] = [payload];
  let visited = 0;
  while (stack.length > 0) {
    const value = stack.pop();
    if (++visited > EXAMPLE_MAX_NODES) throw new LedgerError('EXAMPLE_TOO_LARGE', `example payload has more than ${EXAMPLE_MAX_NODES} values`);
    if (typeof value === 'string') {
      const match = EXAMPLE_REF_PATTERN.exec(value);
      if (match !== null) names.add(match[1] as string);
    } else if (Array.isArray(value)) stack.push(...value);
    else if (value !== null && typeof value === 'object') stack.push(...Object.values(value));
  }
  return [...names].sort();
}

/**
 * A deep copy of `payload` with every "{{ref:NAME}}" string replaced by `ids[NAME]` (a 64-hex
 * document id). Throws EXAMPLE_REF_UNRESOLVED naming the placeholder when an id is missing, and
 * DOC_REF_FORMAT when a given id is not 64 lower-case hex characters.
 */
export function resolveExampleRefs(payload: unknown, ids: Readonly<Record<string, string>>): unknown {
  const resolve = (value: unknown, path: string): unknown => {
    if (typeof value !== 'string') return value;
    const match = EXAMPLE_REF_PATTERN.exec(value);
    if (match === null) return value;
    const name = match[1] as string;
    const id = Object.prototype.hasOwnProperty.call(ids, name) ? ids[name] : undefined;
    if (id === undefined) throw new LedgerError('EXAMPLE_REF_UNRESOLVED', `${path}: no document id for placeholder ${value}`, { field: path });
    if (!DOCUMENT_ID_PATTERN.test(id)) throw new LedgerError('DOC_REF_FORMAT', `ids.${name}: expected 64 lower-case hex characters, got ${JSON.stringify(id)}`, { field: `ids.${name}` });
    return id;
  };
  const root: { value: unknown } = { value: undefined };
  // Iterative deep copy: each work item fills one slot of an already-made container.
  const work: Array<{ readonly source: unknown; readonly target: Record<string, unknown> | unknown[]; readonly key: string | number; readonly path: string }> = [
    { source: payload, target: root as unknown as Record<string, unknown>, key: 'value', path: 'payload' },
  ];
  let visited = 0;
  while (work.length > 0) {
    const item = work.pop() as (typeof work)[number];
    if (++visited > EXAMPLE_MAX_NODES) throw new LedgerError('EXAMPLE_TOO_LARGE', `example payload has more than ${EXAMPLE_MAX_NODES} values`);
    const { source, target, key, path } = item;
    let copy: unknown;
    if (Array.isArray(source)) {
      const array: unknown[] = new Array<unknown>(source.length);
      source.forEach((element, index) => work.push({ source: element, target: array, key: index, path: `${path}[${index}]` }));
      copy = array;
    } else if (source !== null && typeof source === 'object' && !(source instanceof Uint8Array)) {
      const object: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(source)) work.push({ source: v, target: object, key: k, path: `${path}.${k}` });
      copy = object;
    } else {
      copy = resolve(source, path);
    }
    // defineProperty, not assignment: a JSON key "__proto__" stays a plain own property.
    Object.defineProperty(target, key, { value: copy, enumerable: true, writable: true, configurable: true });
  }
  return root.value;
}
