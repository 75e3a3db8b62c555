/**
 * Text of XML character data as the reader gives it: line ends normalised
 * (CRLF and lone CR become LF, as XML requires), then references decoded —
 * the five predefined entities, decimal and hexadecimal character references,
 * and a few common HTML and currency entities (`&nbsp;`, `&copy;`, `&euro;`…).
 * Unknown entities and a lone `&` stay as written; references to characters
 * XML 1.0 forbids (NUL, C0 controls other than tab/LF/CR, surrogates) are
 * dropped. No DTD is ever read, so nothing else can be declared.
 *
 * @module
 */

/** Named entities decoded besides the predefined ones (the common HTML and currency ones). */
const NAMED: ReadonlyMap<string, string> = new Map(
  Object.entries({
    amp: '&',
    apos: "'",
    gt: '>',
    lt: '<',
    quot: '"',
    nbsp: '\u00a0',
    copy: '\u00a9',
    reg: '\u00ae',
    trade: '\u2122',
    mdash: '\u2014',
    ndash: '\u2013',
    hellip: '\u2026',
    laquo: '\u00ab',
    raquo: '\u00bb',
    lsquo: '\u2018',
    rsquo: '\u2019',
    ldquo: '\u201c',
    rdquo: '\u201d',
    bull: '\u2022',
    para: '\u00b6',
    sect: '\u00a7',
    deg: '\u00b0',
    frac12: '\u00bd',
    frac14: '\u00bc',
    frac34: '\u00be',
    cent: '\u00a2',
    pound: '\u00a3',
    curren: '\u00a4',
    yen: '\u00a5',
    euro: '\u20ac',
    dollar: '$',
    fnof: '\u0192',
    inr: '\u20b9',
    af: '\u060b',
    birr: '\u1265\u122d',
    peso: '\u20b1',
    rub: '\u20bd',
    won: '\u20a9',
    yuan: '\u00a5',
    cedil: '\u00b8',
  }),
);

/** Longest reference looked for, `&` to `;` (a longer run is literal text). */
const MAX_REFERENCE = 32;

/** A character reference (`#65`, `#x41`): its text, `''` for a forbidden character, undefined when invalid. */
function characterReference(token: string): string | undefined {
  const hex = token.charCodeAt(1) === 0x78 || token.charCodeAt(1) === 0x58; // x X
  const cp = hex ? parseInt(token.slice(2), 16) : parseInt(token.slice(1), 10);
  if (Number.isNaN(cp) || cp < 0 || cp > 0x10ffff) return undefined;
  const forbidden =
    cp === 0 || (cp >= 0xd800 && cp <= 0xdfff) || (cp < 0x20 && cp !== 0x09 && cp !== 0x0a && cp !== 0x0d);
  return forbidden ? '' : String.fromCodePoint(cp);
}

/** Decodes the references of `s` (line ends already normalised). */
function decodeReferences(s: string): string {
  let out = '';
  let last = 0;
  let i = s.indexOf('&');
  while (i !== -1) {
    const semi = s.indexOf(';', i + 1);
    if (semi === -1) break;
    let next = i + 1;
    if (semi - i <= MAX_REFERENCE && semi > i + 1) {
      const token = s.slice(i + 1, semi);
      const value = token.charCodeAt(0) === 0x23 ? characterReference(token) : NAMED.get(token);
      if (value !== undefined) {
        out += s.slice(last, i) + value;
        last = next = semi + 1;
      }
    }
    i = s.indexOf('&', next);
  }
  return last === 0 ? s : out + s.slice(last);
}

/**
 * Character data (text or attribute value) as its value: raw CR normalised to
 * LF, then references decoded (see the module comment).
 *
 * @param raw - the text as written in the document
 * @returns its value
 */
export function decodeText(raw: string): string {
  const text = raw.indexOf('\r') === -1 ? raw : raw.replace(/\r\n?/g, '\n');
  return text.indexOf('&') === -1 ? text : decodeReferences(text);
}

/** CDATA content as its value: only line ends are normalised. */
export function cdataText(raw: string): string {
  return raw.indexOf('\r') === -1 ? raw : raw.replace(/\r\n?/g, '\n');
}
