import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ensureLocalCertificate } from '../emulator/certs/localCertificate.js';

/**
 * Makes the local stack's certificate before any test process starts and trusts it through
 * NODE_EXTRA_CA_CERTS (read only at process start, so test workers inherit it from here).
 */
export default function setup(): void {
  const certificate = ensureLocalCertificate(join(tmpdir(), 'mediaferry-test-ca'));
  process.env.NODE_EXTRA_CA_CERTS = certificate.certPath;
  process.env.MEDIAFERRY_TEST_CERT_DIR = join(tmpdir(), 'mediaferry-test-ca');
}
