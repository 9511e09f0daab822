// Makes the certificate fixtures in this folder with openssl, through the test harness's PKI
// (e2e/harness/tls.ts), so the unit tests read real X.509 as openssl writes it:
//   ca.crt, server.crt, client.crt   one CA and what it signs, valid 90 days; the server
//                                    certificate names IP:127.0.0.1 and DNS:localhost
//   chain.pem                        server.crt then ca.crt, as a server sending its chain would
//   other-names.crt                  a server certificate naming only DNS:etcd-1.example.internal
//                                    and IP:10.0.0.1 (another CA): it covers no loopback address
// Only certificates are kept; the keys are deleted with the temporary directory.
//
//   npx tsx lib/certs/testdata/capture.ts
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateTls } from '../../../e2e/harness/tls';

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'ringside-certs-'));
  try {
    const main = await generateTls(path.join(tmp, 'main'), { days: 90 });
    const other = await generateTls(path.join(tmp, 'other'), { days: 90, serverSans: 'DNS:etcd-1.example.internal,IP:10.0.0.1' });
    const copy = (from: string, to: string) => writeFileSync(path.join(__dirname, to), readFileSync(from));
    copy(main.ca, 'ca.crt');
    copy(main.serverCert, 'server.crt');
    copy(main.cert, 'client.crt');
    copy(other.serverCert, 'other-names.crt');
    writeFileSync(path.join(__dirname, 'chain.pem'), Buffer.concat([readFileSync(main.serverCert), readFileSync(main.ca)]));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
