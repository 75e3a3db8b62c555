/**
 * Column names made into XML element names (XML 1.0 `Name`, without colons,
 * so that namespace-aware parsers accept them too).
 *
 * @module
 */

/** True when code point `cp` may start an XML name (XML 1.0 fifth edition `NameStartChar`, minus `:`). */
function isNameStart(cp: number): boolean {
  return (
    (cp >= 0x61 && cp <= 0x7a) ||
    (cp >= 0x41 && cp <= 0x5a) ||
    cp === 0x5f ||
    (cp >= 0xc0 && cp <= 0xd6) ||
    (cp >= 0xd8 && cp <= 0xf6) ||
    (cp >= 0xf8 && cp <= 0x2ff) ||
    (cp >= 0x370 && cp <= 0x37d) ||
    (cp >= 0x37f && cp <= 0x1fff) ||
    (cp >= 0x200c && cp <= 0x200d) ||
    (cp >= 0x2070 && cp <= 0x218f) ||
    (cp >= 0x2c00 && cp <= 0x2fef) ||
    (cp >= 0x3001 && cp <= 0xd7ff) ||
    (cp >= 0xf900 && cp <= 0xfdcf) ||
    (cp >= 0xfdf0 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0xeffff)
  );
}

/** True when code point `cp` may appear after the first character of an XML name (`NameChar`, minus `:`). */
function isNameChar(cp: number): boolean {
  return (
    isNameStart(cp) ||
    (cp >= 0x30 && cp <= 0x39) ||
    cp === 0x2d ||
    cp === 0x2e ||
    cp === 0xb7 ||
    (cp >= 0x300 && cp <= 0x36f) ||
    (cp >= 0x203f && cp <= 0x2040)
  );
}

/**
 * Makes one column name a valid XML element name:
 * 1. every character that may not appear in a name (space, `:`, `/`, `@`,
 *    `#`, `"`, lone surrogates…) becomes `_`;
 * 2. an empty name becomes `_`;
 * 3. `_` is prefixed when the name starts with a character that may not
 *    start a name (digit, `-`, `.`, combining mark) or with `xml` in any
 *    letter case (reserved by the XML specification).
 *
 * Letters of any script are kept (`prix_€` → `prix__`, `café` → `café`).
 *
 * @param name - a column name
 * @returns a valid XML name; equal to `name` when `name` already was one
 * @example
 * ```ts
 * xmlName('2nd col'); // '_2nd_col'
 * xmlName('address.city'); // 'address.city'
 * ```
 */
export function xmlName(name: string): string {
  let out = '';
  for (const ch of name) out += isNameChar(ch.codePointAt(0)!) ? ch : '_';
  if (out.length === 0) return '_';
  if (!isNameStart(out.codePointAt(0)!) || /^xml/i.test(out)) out = '_' + out;
  return out;
}

/**
 * Element names for a list of column names, valid and distinct, decided in
 * a deterministic way:
 * - a name that is already valid is kept unchanged (its first occurrence);
 * - the others are sanitised by {@link xmlName}, in column order, and when
 *   the result is taken get the first free suffix among `_2`, `_3`, …
 *
 * So `['a b', 'a_b', 'a-b']` gives `['a_b_2', 'a_b', 'a-b']`: renaming never
 * steals the name of a column that needed none.
 *
 * @param names - column names in output order
 * @returns one element name per column, in the same order
 */
export function xmlNames(names: readonly string[]): string[] {
  const taken = new Set<string>();
  const result = new Array<string | undefined>(names.length);
  names.forEach((name, j) => {
    if (xmlName(name) === name && !taken.has(name)) {
      taken.add(name);
      result[j] = name;
    }
  });
  return names.map((name, j) => {
    const kept = result[j];
    if (kept !== undefined) return kept;
    const base = xmlName(name);
    let candidate = base;
    for (let k = 2; taken.has(candidate); k++) candidate = `${base}_${k}`;
    taken.add(candidate);
    return candidate;
  });
}
