/**
 * XML on the DuckDB engine: {@link loadXmlTable} streams an XML file into a
 * TEMP table of VARCHAR columns; {@link xmlRowsSql} renders a result of
 * text, boolean and integer columns as XML records in SQL, for DuckDB's
 * `COPY` to write ({@link XML_ROWS_COPY}); {@link writeXmlResult} streams
 * any other query result out as XML.
 *
 * @module
 */
export { loadXmlTable, XML_MAX_RECORD_BYTES, type XmlLoadOptions, type XmlLoadTuning } from './load.js';
export { writeXmlResult, XML_EPILOG, XML_PROLOG } from './write.js';
export { MAX_ELEMENT_DEPTH } from './scanner.js';
export { MAX_RECORD_NESTING } from './record-tree.js';
export { XML_NO_COLUMN } from './varchar-table.js';
export { XML_ROWS_COPY, XML_SQL_MAX_COLUMNS, xmlRowsSql, type XmlRowColumn } from './sql-rows.js';
