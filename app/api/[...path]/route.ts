import { json } from '@/lib/http/respond';

/** Unknown API paths answer in JSON like the rest of the API, not with an HTML page. */
function notFound(req: Request) {
  return json({ error: { code: 'NOT_FOUND', message: `no API route ${new URL(req.url).pathname}` } }, 404);
}

export { notFound as GET, notFound as POST, notFound as PUT, notFound as DELETE, notFound as PATCH };
