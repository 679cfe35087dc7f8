// An LEI typed into the page, checked before the node is asked: ISO 17442 (20 characters A-Z 0-9,
// the last two digits), ISO 7064 MOD 97-10 over the whole string leaving 1. Pure.

const LEI_PATTERN = /^[A-Z0-9]{18}[0-9]{2}$/;

function mod97(text: string): number {
  let remainder = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const n = c >= 48 && c <= 57 ? c - 48 : c - 55;
    remainder = n >= 10 ? (remainder * 100 + n) % 97 : (remainder * 10 + n) % 97;
  }
  return remainder;
}

/** Why `value` is not an LEI, in words for the form; undefined when it is one. */
export function leiProblem(value: string): string | undefined {
  if (value.length !== 20) return `An LEI has 20 characters; “${value.slice(0, 40)}” has ${value.length}.`;
  if (!LEI_PATTERN.test(value)) return `An LEI is 18 upper-case letters or digits followed by 2 digits; “${value}” is not.`;
  if (mod97(value) !== 1) return `“${value}” fails the LEI check digits (ISO 17442): probably a typo. Check each character.`;
  return undefined;
}
