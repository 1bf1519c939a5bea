import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LocalCertificate {
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
}

/**
 * The local stack's self-signed certificate for 127.0.0.1 and localhost, made once and kept in the
 * data folder. It serves every HTTPS emulator (ARM, Azurite OAuth); clients trust it through
 * NODE_EXTRA_CA_CERTS, exactly as they would trust a corporate CA.
 */
export function ensureLocalCertificate(dataDir: string): LocalCertificate {
  const dir = join(dataDir, 'certs');
  const certPath = join(dir, 'localhost.crt');
  const keyPath = join(dir, 'localhost.key');
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    mkdirSync(dir, { recursive: true });
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-sha256',
        '-days',
        '825',
        '-subj',
        '/CN=mediaferry local stack',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-keyout',
        keyPath,
        '-out',
        certPath,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  }
  return { certPath, keyPath, cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
}
