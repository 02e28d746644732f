// Writes auth's ES256 (EC P-256) access-token signing key (PKCS#8 PEM) to the given path unless one
// is there already, readable by its owner (the image's `node` user) only. Run once by
// compose's auth-signing-key service, so the key lives in a volume and never in the repository.
const { generateKeyPairSync } = require('node:crypto');
const { existsSync, writeFileSync } = require('node:fs');

const path = process.argv[2];
if (path === undefined) {
  process.stderr.write('usage: node make-signing-key.js <file>\n');
  process.exit(2);
}
if (existsSync(path)) {
  process.stdout.write(`${path} exists; kept\n`);
} else {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o400 });
  process.stdout.write(`${path} written\n`);
}
