// Real identifiers for tests, copied from ../shared/fixtures/identifiers.json (the shared
// directory is not in the repository, and CI runs in a fresh clone). Every valid entry passes its
// checksum; every invalid one fails it.

export const LEI = {
  gleif: '506700GE1G29325QX363',
  apple: 'HWUPKR0MPOU8FGXBT394',
  microsoft: 'INR2EJN1ERAN0W5ZP974',
  jpmorgan: '8I5DZWZKVSZI1NUHU748',
  deutscheBank: '7LTWFZYICNSX8D621K86',
  walmart: 'Y87794H0US1R65VBXU25',
  nike: '787RXPR0UX0O0XUXPZ81',
} as const;

export const VALID_LEIS: readonly string[] = Object.values(LEI);
export const INVALID_LEIS: readonly string[] = ['506700GE1G29325QX364', 'HWUPKR0MPOU8FGXBT39', 'INR2EJN1ERAN0W5ZP97!', 'in r2ejn1eran0w5zp974', '8I5DZWZKVSZI1NUHU784'];

export const VALID_GTINS: readonly string[] = ['4006381333931', '036000291452', '9780306406157', '00012345600012', '5901234123457', '96385074', '50012345678900'];
export const INVALID_GTINS: readonly string[] = ['4006381333932', '036000291453', '97803064061', '0001234560001X', '590123412345'];
