/**
 * SQL macros that carry the service's value rules into DuckDB, so that a
 * column's type and a number's text are decided as the README documents,
 * not as DuckDB's own casts would (which accept `1_000` and `' 1'`, and
 * print `2.0` and `1e-07`).
 *
 * @module
 */

/**
 * The macros, in creation order:
 * - `df_num(text)`: the number a text cell stands for, or NULL when it is
 *   not numeric: DuckDB's own DOUBLE cast (decimal notation with an optional
 *   exponent; white space around it and `_` between digits are accepted;
 *   hex is not), less what is not finite (`inf`, `nan`, `1e400`). The cast
 *   costs what DuckDB's typed CSV reader costs; a stricter pattern test per
 *   cell made `stats` on a 1M-row CSV 1.5–1.7× slower;
 * - `df_bool(text)`: `true`/`false` in any letter case, else NULL;
 * - `df_numtext(double)`: JavaScript's shortest round-trip text of a number
 *   (`2`, `0.1`, `1e-7`, `1e+21`, `-0`), NULL for NaN and infinities, which
 *   no text format can carry as a number;
 * - `df_jsonnum(double)`: the text DuckDB's JSON writer gives the JSON value
 *   of `df_numtext` (see json-rows.ts).
 */
export const MACROS: readonly string[] = [
  `CREATE MACRO df_finite(d) AS CASE WHEN isinf(d) OR isnan(d) THEN NULL ELSE d END`,
  // A cast that fails costs 3–10× one that succeeds (1M dates: 169 ms against 37 ms for numbers).
  // Every finite number the cast accepts starts with white space, a sign, a dot or a digit, all below
  // `:` (0x3A); texts starting with anything else (letters, non-ASCII) skip the cast.
  `CREATE MACRO df_num(v) AS df_finite(TRY_CAST(CASE WHEN v < ':' THEN v END AS DOUBLE))`,
  // A CSV column read as DOUBLE on a sample's word: DuckDB's reader takes `inf` and `nan`, which the
  // README does not call numbers; failing the query sends the engine back to reading text.
  `CREATE MACRO df_finite_or_fail(d) AS CASE WHEN isinf(d) OR isnan(d) THEN error('df_not_finite') ELSE d END`,
  // A JSON key read as DOUBLE on a sample's word: DuckDB's JSON reader also turns true and false into 1
  // and 0, which the README does not call numbers; any 1 or 0 sends the engine back to reading text.
  `CREATE MACRO df_json_num_or_fail(d) AS
     CASE WHEN isinf(d) OR isnan(d) OR d = 0 OR d = 1 THEN error('df_not_finite') ELSE d END`,
  // Only 4- and 5-byte texts can be `true` or `false`: others skip lower().
  `CREATE MACRO df_bool(v) AS
     CASE WHEN strlen(v) BETWEEN 4 AND 5 THEN
       CASE lower(v) WHEN 'true' THEN true WHEN 'false' THEN false END
     END`,
  // DuckDB prints the shortest round-trip digits too, only in another layout: these move the decimal
  // point where JavaScript puts it (fixed notation from 1e-6 up to 1e21) and drop exponent zeros.
  `CREATE MACRO df_shift(sign, digits, e) AS
     CASE
       WHEN e < 0 THEN sign || '0.' || repeat('0', -e - 1) || digits
       WHEN length(digits) <= e + 1 THEN sign || digits || repeat('0', e + 1 - length(digits))
       ELSE sign || digits[1:e + 1] || '.' || digits[e + 2:]
     END`,
  `CREATE MACRO df_fixed_parts(p) AS df_shift(p.sign, p.lead || p.frac, CAST(p.exp AS INTEGER))`,
  `CREATE MACRO df_fixed(s) AS
     df_fixed_parts(regexp_extract(s, '^(-?)(\\d)(?:\\.(\\d+))?e([+-]\\d+)$', ['sign', 'lead', 'frac', 'exp']))`,
  `CREATE MACRO df_numtext_of(x, s) AS
     CASE
       WHEN x IS NULL OR isnan(x) OR isinf(x) THEN NULL
       WHEN x = 0 THEN CASE WHEN signbit(x) THEN '-0' ELSE '0' END
       WHEN abs(x) >= 1e21 OR abs(x) < 1e-6 THEN regexp_replace(s, 'e([+-])0*(\\d)', 'e\\1\\2')
       WHEN contains(s, 'e') THEN df_fixed(s)
       WHEN suffix(s, '.0') THEN s[1:-3]
       ELSE s
     END`,
  // Fast paths first (CASE evaluates a branch only on the rows that reach it), each checked against
  // String(n) in tests/unit/engine-macros.test.ts: integers below 2^53 print their exact digits through
  // BIGINT; other numbers from 1e-4 to 1e15 print as DuckDB does (no exponent, no `.0`). The general
  // path above casts the number to text several times, which costs 2.5–5× more on a 1M-row column.
  `CREATE MACRO df_numtext(x) AS
     CASE
       WHEN x IS NULL OR isnan(x) OR isinf(x) THEN NULL
       WHEN x <> 0 AND x = trunc(x) AND abs(x) < 9007199254740992 THEN CAST(CAST(x AS BIGINT) AS VARCHAR)
       WHEN abs(x) >= 0.0001 AND abs(x) < 1e15 THEN CAST(x AS VARCHAR)
       ELSE df_numtext_of(x, CAST(x AS VARCHAR))
     END`,
  // A DOUBLE as DuckDB's JSON writer prints the JSON value of its df_numtext (json-rows.ts): on the fast
  // paths that is df_numtext's text (the same shortest digits, no exponent); elsewhere DuckDB prints
  // the parsed value again in its own layout (`1e21`, `0` for `-0`), which only a cast to JSON gives.
  `CREATE MACRO df_jsonnum(x) AS
     CASE
       WHEN x IS NULL OR isnan(x) OR isinf(x) THEN NULL
       WHEN x <> 0 AND x = trunc(x) AND abs(x) < 9007199254740992 THEN CAST(CAST(x AS BIGINT) AS VARCHAR)
       WHEN abs(x) >= 0.0001 AND abs(x) < 1e15 THEN CAST(x AS VARCHAR)
       ELSE CAST(to_json(CAST(df_numtext_of(x, CAST(x AS VARCHAR)) AS JSON)) AS VARCHAR)
     END`,
];
