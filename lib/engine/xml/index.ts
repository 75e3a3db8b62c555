/**
 * XML on the DuckDB engine: {@link loadXmlTable} streams an XML file into a
 * TEMP table of VARCHAR columns; {@link writeXmlResult} streams a query
 * result out as XML.
 *
 * @module
 */
export { loadXmlTable, XML_MAX_RECORD_BYTES, type XmlLoadOptions, type XmlLoadTuning } from './load.js';
export { writeXmlResult, XML_EPILOG, XML_PROLOG } from './write.js';
export { MAX_ELEMENT_DEPTH } from './scanner.js';
export { MAX_RECORD_NESTING } from './record-tree.js';
export { XML_NO_COLUMN } from './varchar-table.js';
