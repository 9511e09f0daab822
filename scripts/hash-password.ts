// `npm run hash-password`: the passwordHash (or, with --token, a new API token and its tokenHash)
// for a user in the config. The config holds only hashes; nothing here is written anywhere.
//
//   npm run -s hash-password                     asks for the password (not echoed), prints scrypt$...
//   printf '%s' "$PW" | npm run -s hash-password  reads it from stdin instead
//   npm run -s hash-password -- --token           prints a new token and its sha256$... hash
import { generateToken, hashPassword, hashToken } from '../lib/auth/password';

const MIN_LENGTH = 12;
const USAGE = 'usage: npm run -s hash-password [-- --token]\n  reads a password from stdin and prints its passwordHash; --token prints a new API token and its tokenHash\n';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('-h') || args.includes('--help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.some((a) => a !== '--token')) {
    process.stderr.write(USAGE);
    return 2;
  }
  if (args.includes('--token')) {
    const token = generateToken();
    process.stdout.write(`token:     ${token}\ntokenHash: ${hashToken(token)}\n`);
    process.stderr.write(
      'Give the token to the client once (Authorization: Bearer <token>); it is not stored anywhere.\n' +
        'Put the tokenHash in the user\'s entry in the config (tokenHash: "sha256$...").\n',
    );
    return 0;
  }

  let password: string;
  if (process.stdin.isTTY) {
    password = await promptHidden('Password: ');
    const again = await promptHidden('Again: ');
    if (again !== password) {
      process.stderr.write('the two passwords differ; nothing printed\n');
      return 1;
    }
  } else {
    // Piped: everything read, less one trailing newline (echo adds one; printf need not).
    password = (await readAll()).replace(/\r?\n$/, '');
  }
  const length = [...password].length;
  if (length === 0) {
    process.stderr.write('the password is empty; nothing printed\n');
    return 1;
  }
  if (length < MIN_LENGTH) {
    process.stderr.write(`the password has ${length} characters; use at least ${MIN_LENGTH} (a few random words will do)\n`);
    return 1;
  }
  process.stdout.write(`${await hashPassword(password)}\n`);
  return 0;
}

async function readAll(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a line from the terminal without echoing it. Ctrl-C aborts. */
function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let value = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (data: string) => {
      for (const ch of data) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new Error('interrupted'));
        if (ch === '\u0004') return done(); // Ctrl-D ends input
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`hash-password: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
