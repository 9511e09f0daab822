import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

/**
 * X.509 certificates as Ringside shows them, read with node:crypto. Pure. What a certificate says
 * (subject, SANs) comes from whoever made it: data to show, never to act on.
 */
export interface CertificateInfo {
  /** One line, e.g. "CN=etcd-1, O=example". */
  subject: string;
  issuer: string;
  serialNumber: string;
  /** As the certificate lists them: "DNS:localhost", "IP Address:127.0.0.1". */
  sans: string[];
  /** ISO times. */
  notBefore: string;
  notAfter: string;
  fingerprint256: string;
  isCA: boolean;
}

const oneLineName = (dn: string) => dn.split('\n').filter(Boolean).join(', ');

export function describeCertificate(c: X509Certificate): CertificateInfo {
  return {
    subject: oneLineName(c.subject),
    issuer: oneLineName(c.issuer),
    serialNumber: c.serialNumber,
    sans: c.subjectAltName ? c.subjectAltName.split(', ') : [],
    notBefore: new Date(c.validFrom).toISOString(),
    notAfter: new Date(c.validTo).toISOString(),
    fingerprint256: c.fingerprint256,
    isCA: c.ca,
  };
}

const BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Every certificate in a PEM file (a CA bundle, a chain). Other blocks, such as a private key in
 * a combined file, are never read.
 */
export function parsePemCertificates(pem: Buffer | string): X509Certificate[] {
  const text = typeof pem === 'string' ? pem : pem.toString('latin1');
  return (text.match(BLOCK) ?? []).map((block) => new X509Certificate(block));
}

/**
 * Whether a client that verifies host names accepts this certificate for `host` (a name, or an
 * IP address with or without IPv6 brackets), by the rules of RFC 6125 as OpenSSL applies them:
 * SANs first, the subject's CN only when there are no DNS SANs.
 */
export function coversHost(c: X509Certificate, host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1');
  return isIP(h) ? c.checkIP(h) !== undefined : c.checkHost(h) !== undefined;
}
