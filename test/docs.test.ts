// The docs that are generated from code must match the code.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderFieldTable } from '../src/core/config/fields-doc.js';

describe('docs/configuration.md', () => {
  it('holds the field table generated from the field list (run `npm run docs`)', () => {
    const text = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8');
    expect(text).toContain(renderFieldTable());
  });
});
