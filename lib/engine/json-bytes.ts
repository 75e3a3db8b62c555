/**
 * The bytes of JSON's structure, for the scanners that follow a document
 * byte by byte (the nesting check and the sample reader) without decoding it.
 *
 * @module
 */

/** `"` */
export const QUOTE = 0x22;
/** `\` */
export const BACKSLASH = 0x5c;
/** `{` */
export const OPEN_BRACE = 0x7b;
/** `[` */
export const OPEN_BRACKET = 0x5b;
/** `}` */
export const CLOSE_BRACE = 0x7d;
/** `]` */
export const CLOSE_BRACKET = 0x5d;
/** `,` */
export const COMMA = 0x2c;
/** Line feed. */
export const NEWLINE = 0x0a;
