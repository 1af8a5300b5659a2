#!/usr/bin/env node
// Regenerates the generated parts of docs/ from the code (run after `npm run build`).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { renderFieldTable, FIELD_TABLE_BEGIN, FIELD_TABLE_END } = await import(`${root}dist/core/config/fields-doc.js`);
const path = `${root}docs/configuration.md`;
const text = readFileSync(path, 'utf8');
const start = text.indexOf(FIELD_TABLE_BEGIN);
const end = text.indexOf(FIELD_TABLE_END);
if (start < 0 || end < 0) throw new Error(`${path}: field table markers not found`);
writeFileSync(path, text.slice(0, start) + renderFieldTable() + text.slice(end + FIELD_TABLE_END.length));
console.log('docs/configuration.md: field table regenerated');
