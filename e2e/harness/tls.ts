// Test PKI for a TLS ring, made with the openssl CLI (no npm dependency).
//
// One CA signs (valid 10 years unless TlsOptions.days says otherwise):
//  - a server cert (SAN IP:127.0.0.1, DNS:localhost, or TlsOptions.serverSans) that every member uses for
//    client and peer serving. Its EKU holds serverAuth AND clientAuth because a
//    member presents the same cert as a client when it dials its peers
//    (--peer-client-cert-auth checks it).
//  - a client cert (EKU clientAuth) for etcdctl, etcd3 and the dashboard.
// P-256 keys: generated in milliseconds, and both Go and Node accept them.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, writeFile, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

const run = promisify(execFile);

/** Test PKI variations: short-lived certificates, a server certificate for other names. */
export interface TlsOptions {
  /** Validity of every certificate (CA, server, client); default 3650. */
  days?: number;
  /** The server certificate's subjectAltName; default IP:127.0.0.1,DNS:localhost. */
  serverSans?: string;
}

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
  serverCert: string;
  serverKey: string;
  dir: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd, timeout: 30_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${e.stderr || e.message}`);
  }
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function signed(dir: string, base: string, cn: string, ext: string, days: number): Promise<void> {
  await openssl(['req', '-new', ...EC, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${cn}`], dir);
  await writeFile(path.join(dir, `${base}.ext`), ext);
  await openssl(
    ['x509', '-req', '-in', `${base}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', `0x${randomBytes(8).toString('hex')}`,
      '-days', String(days), '-sha256', '-extfile', `${base}.ext`, '-out', `${base}.crt`],
    dir,
  );
  await rm(path.join(dir, `${base}.csr`));
}

/** Writes ca.crt/ca.key, server.crt/server.key, client.crt/client.key into `dir`. */
export async function generateTls(dir: string, opts: TlsOptions = {}): Promise<TlsFiles> {
  const days = opts.days ?? 3650;
  await mkdir(dir, { recursive: true });
  await openssl(
    ['req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', String(days), '-sha256', '-subj', '/CN=ringside-test-ca',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    dir,
  );
  await signed(
    dir,
    'server',
    'localhost',
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n' +
      `extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${opts.serverSans ?? 'IP:127.0.0.1,DNS:localhost'}\n`,
    days,
  );
  await signed(
    dir,
    'client',
    'ringside-client',
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
    days,
  );
  return {
    dir,
    ca: path.join(dir, 'ca.crt'),
    cert: path.join(dir, 'client.crt'),
    key: path.join(dir, 'client.key'),
    serverCert: path.join(dir, 'server.crt'),
    serverKey: path.join(dir, 'server.key'),
  };
}
