/**
 * The columns a Parquet file offers to the engine, from its schema: top-level
 * leaves as they are, structs flattened to dotted names (`address.city`, as
 * the JSON readers do), lists, maps and variants kept whole as JSON text.
 *
 * @module
 */
import type { FileMetaData, SchemaTree } from 'hyparquet';
import { ParseError } from '../errors.js';
import {
  isStruct,
  leafConversion,
  nestedConversion,
  unsupportedType,
  type ValueConversion,
} from './parquet-values.js';

/** One output column and where its values are in what hyparquet decodes. */
export interface ParquetColumn {
  /** Output name: the top-level name, dotted below structs. */
  readonly name: string;
  /** Top-level column that hyparquet reads (and assembles) for it. */
  readonly root: string;
  /** Keys from the root's assembled object down to the value; empty for a top-level column. */
  readonly path: readonly string[];
  readonly conversion: ValueConversion;
  /** Set when hyparquet cannot decode the values (e.g. `INTERVAL`): reading them is refused. */
  readonly unsupported: string | undefined;
}

function unsupportedIn(node: SchemaTree): string | undefined {
  if (node.children.length === 0) return unsupportedType(node.element);
  for (const child of node.children) {
    const found = unsupportedIn(child);
    if (found) return found;
  }
  return undefined;
}

function collect(node: SchemaTree, root: string, path: string[], name: string, out: ParquetColumn[]): void {
  if (isStruct(node)) {
    for (const child of node.children) {
      const key = child.element.name;
      collect(child, root, [...path, key], `${name}.${key}`, out);
    }
    return;
  }
  const nested = node.children.length > 0 || node.element.repetition_type === 'REPEATED';
  out.push({
    name,
    root,
    path,
    conversion: nested ? nestedConversion(node) : leafConversion(node.element),
    unsupported: unsupportedIn(node),
  });
}

/**
 * The output columns of a file, in schema order.
 *
 * @param tree - the schema tree (`parquetSchema(metadata)`)
 * @returns one entry per output column
 * @throws `ParseError` when two columns get the same name (e.g. a top-level
 *   `a.b` beside a struct `a` holding `b`)
 *
 * @example
 * ```ts
 * parquetColumns(parquetSchema(metadata)).map((c) => c.name); // ['id', 'address.city', 'tags']
 * ```
 */
export function parquetColumns(tree: SchemaTree): ParquetColumn[] {
  const out: ParquetColumn[] = [];
  for (const child of tree.children) collect(child, child.element.name, [], child.element.name, out);
  const seen = new Set<string>();
  for (const column of out) {
    if (seen.has(column.name)) {
      throw new ParseError(`column name ${JSON.stringify(column.name)} appears twice in the Parquet schema`, {
        column: column.name,
      });
    }
    seen.add(column.name);
  }
  return out;
}

/** Paths of the schema's leaves (the physical columns), joined by NUL: names may hold dots. */
function leafPaths(node: SchemaTree, out: Set<string>): Set<string> {
  if (node.children.length === 0) out.add(node.path.join('\0'));
  for (const child of node.children) leafPaths(child, out);
  return out;
}

/**
 * Checks that each row group holds exactly one chunk per leaf of the
 * schema. hyparquet assumes it: a chunk it cannot place would fail outside
 * any promise the reader can catch (an unhandled rejection).
 *
 * @param metadata - the file's footer
 * @param tree - its schema tree
 * @throws `ParseError` naming the first row group that does not match
 */
export function checkColumnChunks(metadata: FileMetaData, tree: SchemaTree): void {
  const leaves = leafPaths(tree, new Set());
  for (const [g, group] of metadata.row_groups.entries()) {
    const seen = new Set<string>();
    for (const chunk of group.columns) {
      const key = chunk.meta_data?.path_in_schema.join('\0');
      if (key === undefined || !leaves.has(key) || seen.has(key)) {
        throw new ParseError(
          `row group ${g + 1}: its column chunks do not match the schema (corrupt footer?)`,
          {
            row_group: g + 1,
          },
        );
      }
      seen.add(key);
    }
    if (seen.size !== leaves.size) {
      throw new ParseError(`row group ${g + 1}: some columns have no data (corrupt footer?)`, {
        row_group: g + 1,
      });
    }
  }
}
