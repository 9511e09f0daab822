import 'server-only';
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { connect, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import type { TlsMaterial } from '../config/types';
import { coversHost, describeCertificate, type CertificateInfo } from './x509';

/** What a TLS endpoint presented. */
export interface PresentedChain {
  /** The origin reached, as Ringside reaches it. */
  url: string;
  host: string;
  /**
   * Leaf first, then its issuers: those the server sent, completed by Node from the CA Ringside
   * trusts when it finds the issuer there; empty when nothing was read.
   */
  chain: CertificateInfo[];
  /** Whether the leaf covers `host`; null when nothing was read. */
  coversHost: boolean | null;
  /** The chain checks out against the CA Ringside trusts for the cluster, for this host. */
  verified: boolean;
  /** Why it does not, in OpenSSL's words (CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID...). */
  verifyError: string | null;
  /** No certificate read at all (refused, timed out, not TLS). */
  error: string | null;
}

/**
 * Opens a TLS connection to `url` with the cluster's CA and client certificate (as lib/etcd's
 * clients do), reads the certificate chain the server presents, and closes: a handshake, nothing
 * sent to etcd. Verification is never required, only reported, so an expired certificate, an
 * unknown CA or a wrong host still yields the chain to show. Never throws.
 */
export function readPresentedChain(url: string, tls: TlsMaterial | undefined, timeoutMs: number): Promise<PresentedChain> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const base = { url: u.origin, host, chain: [], coversHost: null, verified: false, verifyError: null };
  return new Promise((resolve) => {
    let done = false;
    let socket: TLSSocket;
    const finish = (r: PresentedChain) => {
      if (done) return;
      done = true;
      socket?.destroy();
      resolve(r);
    };
    try {
      socket = connect({
        host,
        port: Number(u.port || 443),
        // SNI takes names only (an IP there is deprecated, DEP0123).
        ...(isIP(host) ? {} : { servername: host }),
        ...(tls?.ca ? { ca: tls.ca } : {}),
        ...(tls?.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
        rejectUnauthorized: false,
      });
    } catch (e) {
      // Key material the TLS layer cannot use (a key that does not match its certificate...): its code, never its bytes.
      return finish({ ...base, error: `TLS setup failed: ${(e as NodeJS.ErrnoException).code ?? 'unusable certificate or key'}` });
    }
    socket.setTimeout(timeoutMs, () => finish({ ...base, error: `timed out after ${timeoutMs} ms` }));
    // A server that refuses our client certificate says so after the handshake: too late to matter.
    socket.on('error', (e: NodeJS.ErrnoException) => finish({ ...base, error: socketError(e) }));
    socket.once('secureConnect', () => {
      const certs = chainOf(socket.getPeerCertificate(true));
      const leaf = certs[0];
      finish({
        ...base,
        chain: certs.map(describeCertificate),
        coversHost: leaf ? coversHost(leaf, host) : null,
        verified: socket.authorized,
        verifyError: socket.authorized ? null : String(socket.authorizationError ?? 'unverified'),
        error: leaf ? null : 'the server presented no certificate',
      });
    });
  });
}

function chainOf(peer: DetailedPeerCertificate): X509Certificate[] {
  const out: X509Certificate[] = [];
  const seen = new Set<string>();
  for (let c: DetailedPeerCertificate | undefined = peer; c?.raw && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
    seen.add(c.fingerprint256);
    out.push(new X509Certificate(c.raw));
  }
  return out;
}

function socketError(e: NodeJS.ErrnoException): string {
  if (e.code === 'ECONNREFUSED') return 'connection refused';
  if (e.code === 'ECONNRESET') return 'connection reset';
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return 'host not found';
  if (/wrong version number|packet length too long/i.test(e.message)) return 'not TLS (plain HTTP?)';
  return `TLS failure: ${e.code ?? e.message.split('\n')[0].slice(0, 120)}`;
}
