// `npm run gen:api`: writes lib/api/endpoints.gen.ts, the browser's view of the API contract
// (every endpoint's method, path and kind) from lib/api/contract.ts. The schemas stay on the
// server, so the browser's bundle carries no schema library. A unit test fails while the file
// is out of date.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { endpointsSource } from '../lib/api/generate';

const file = path.resolve(__dirname, '..', 'lib', 'api', 'endpoints.gen.ts');
writeFileSync(file, endpointsSource());
console.log(`wrote ${path.relative(process.cwd(), file)}`);
