/**
 * The diagrams stay true: every class, job state and error code they name
 * exists in the code, and every job state and error code of the code is in them.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ERROR_CODES } from '../../lib/errors.js';
import { STATUS_OF } from '../../lib/http/status.js';
import { JOB_STATUSES } from '../../lib/jobs/job.js';

const repo = path.resolve(import.meta.dirname, '../..');
let doc: string;
let sources: string;

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}

beforeAll(async () => {
  doc = await readFile(path.join(repo, 'docs', 'DIAGRAMS.md'), 'utf8');
  const files = [
    ...(await sourceFiles(path.join(repo, 'lib'))),
    ...(await sourceFiles(path.join(repo, 'functions'))),
  ];
  sources = (await Promise.all(files.map((f) => readFile(f, 'utf8')))).join('\n');
});

const block = (kind: string): string => {
  const match = new RegExp('```mermaid\\n' + kind + '[\\s\\S]*?```').exec(doc);
  if (!match) throw new Error(`no ${kind} in docs/DIAGRAMS.md`);
  return match[0];
};

test('every class of the class diagram is a type exported by the code', () => {
  const diagrams = [...doc.matchAll(/```mermaid\nclassDiagram[\s\S]*?```/g)].map((m) => m[0]);
  const names = diagrams.flatMap((d) => [...d.matchAll(/^\s*class (\w+)/gm)].map((m) => m[1]!));
  expect(names.length).toBeGreaterThan(20);
  const missing = names.filter(
    (n) => !new RegExp(`export (declare )?(abstract )?(class|interface|type|const) ${n}\\b`).test(sources),
  );
  expect(missing).toEqual([]);
});

test('the state diagram has exactly the job states of the code', () => {
  const states = new Set(
    [...block('stateDiagram-v2').matchAll(/(\w+|\[\*\]) --> (\w+|\[\*\])/g)]
      .flatMap((m) => [m[1]!, m[2]!])
      .filter((s) => s !== '[*]'),
  );
  expect([...states].sort()).toEqual([...JOB_STATUSES].sort());
});

test('the error table lists exactly the error codes of the code, with their HTTP status', () => {
  const table = doc.slice(doc.indexOf('## Error codes'));
  const rows = [...table.matchAll(/^\|\s*(\w+)\s*\|\s*(\d{3})\s*\|/gm)].map(
    (m) => [m[1]!, Number(m[2])] as const,
  );
  expect(rows.map(([code]) => code).sort()).toEqual([...ERROR_CODES].sort());
  for (const [code, status] of rows) expect(STATUS_OF[code as keyof typeof STATUS_OF]).toBe(status);
});

test('every error code a flow names exists in the code', () => {
  const named = [...doc.matchAll(/\b[45]\d{2} ([a-z_]+)\b/g)].map((m) => m[1]!);
  expect(named.length).toBeGreaterThan(5);
  expect(named.filter((c) => !(ERROR_CODES as readonly string[]).includes(c))).toEqual([]);
});
