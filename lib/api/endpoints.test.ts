import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { api } from './contract';
import { endpoints } from './endpoints.gen';
import { endpointsSource } from './generate';

test('the browser\'s endpoint list is generated from the contract as it is now (else: npm run gen:api)', () => {
  expect(readFileSync(path.join(__dirname, 'endpoints.gen.ts'), 'utf8')).toBe(endpointsSource());
  expect(Object.keys(endpoints).sort()).toEqual(Object.keys(api).sort());
});
