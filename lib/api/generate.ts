import { api, type Endpoint } from './contract';

/** What the browser needs of an endpoint to call it. */
const KEEP = ['method', 'path', 'stream', 'form', 'action', 'status'] as const;

/** The text of lib/api/endpoints.gen.ts for the contract as it is now. */
export function endpointsSource(): string {
  const entries = Object.entries(api as Record<string, Endpoint>).map(([name, e]) => {
    const fields = KEEP.filter((k) => e[k] !== undefined).map((k) => `${k}: ${literal(e[k])}`);
    return `  ${name}: { ${fields.join(', ')} },`;
  });
  return [
    '// Generated from lib/api/contract.ts by `npm run gen:api`: do not edit. The browser\'s view of',
    '// the API contract (each endpoint\'s method, path and kind); the schemas stay on the server.',
    "import type { Api, Endpoint } from './contract';",
    '',
    'export const endpoints = {',
    ...entries,
    "} as const satisfies Record<keyof Api, Pick<Endpoint, 'method' | 'path'> & Partial<Pick<Endpoint, 'stream' | 'form' | 'action' | 'status'>>>;",
    '',
  ].join('\n');
}

function literal(v: unknown): string {
  return typeof v === 'string' ? `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : String(v);
}
