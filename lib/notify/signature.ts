import { createHmac } from 'node:crypto';

/**
 * Webhook signatures: `X-Ringside-Signature: sha256=<hex>`, HMAC-SHA256 with the receiver's
 * secret over the exact body bytes (as GitHub's X-Hub-Signature-256), and `X-Ringside-Timestamp`
 * (Unix seconds) repeating the signed body's `sentAt`. A receiver verifies the HMAC over the raw
 * bytes before parsing (constant-time compare), then refuses a body whose `sentAt` differs from the
 * header or is older than its tolerance (a replay), then drops an `id` it has seen (a retried
 * delivery). e2e/support/webhook-receiver.ts is such a receiver.
 */
export const SIGNATURE_HEADER = 'x-ringside-signature';
export const TIMESTAMP_HEADER = 'x-ringside-timestamp';

export function sign(secret: Buffer, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Headers of one signed delivery; `sentAt` is the body's. */
export function signatureHeaders(secret: Buffer, body: string, sentAt: string): Record<string, string> {
  return { [SIGNATURE_HEADER]: sign(secret, body), [TIMESTAMP_HEADER]: String(Math.floor(Date.parse(sentAt) / 1000)) };
}
