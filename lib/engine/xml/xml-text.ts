/**
 * Escaping of text for XML elements (the same rules as the XML writer of
 * the arquero engine, kept here so that the DuckDB path does not depend on it).
 *
 * @module
 */

// Characters that text content cannot hold as they are: markup, CR (parsers
// turn it into LF), and what XML 1.0 forbids (C0 controls but tab/LF/CR,
// U+FFFE, U+FFFF, lone surrogates).
// eslint-disable-next-line no-control-regex
const SPECIAL = /[&<>\r\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|\p{Cs}/u;
// eslint-disable-next-line no-control-regex
const SPECIAL_ALL = /[&<>\r\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|\p{Cs}/gu;

function replaceSpecial(ch: string): string {
  switch (ch) {
    case '&':
      return '&amp;';
    case '<':
      return '&lt;';
    case '>':
      return '&gt;';
    case '\r':
      return '&#13;';
    default:
      return '\uFFFD';
  }
}

/**
 * Escapes text for an XML element: `&`, `<`, `>` as entities, CR as `&#13;`
 * (so that it survives line-end normalisation), and every character XML 1.0
 * does not allow at all (control characters other than tab, LF and CR,
 * U+FFFE, U+FFFF, unpaired surrogates) replaced by U+FFFD, the replacement
 * character: a visible mark that something unrepresentable was there.
 *
 * @param s - any string
 * @returns text that is safe between tags
 */
export function xmlText(s: string): string {
  return SPECIAL.test(s) ? s.replace(SPECIAL_ALL, replaceSpecial) : s;
}
