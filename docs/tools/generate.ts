/** `npm run docs`: rewrites the generated tables of docs/detection.md from the code. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stratusCoverage } from './coverage.ts';
import { catalogueTables, combinationsTable, coverageTable, mitigationsTable, replaceBlock, signalsTable } from './detection-tables.ts';

const file = join(import.meta.dirname, '..', 'detection.md');
let doc = readFileSync(file, 'utf8');
doc = replaceBlock(doc, 'signals', signalsTable());
doc = replaceBlock(doc, 'combinations', combinationsTable());
doc = replaceBlock(doc, 'mitigations', mitigationsTable());
doc = replaceBlock(doc, 'catalogue', catalogueTables());
doc = replaceBlock(doc, 'coverage', coverageTable(await stratusCoverage()));
writeFileSync(file, doc);
console.error(`wrote ${file}`);
