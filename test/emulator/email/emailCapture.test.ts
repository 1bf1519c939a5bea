import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLocalCertificate, type LocalCertificate } from '../../../emulator/certs/localCertificate.js';
import {
  COMMUNICATION_AUDIENCE,
  startEmailCapture,
  type RunningEmailCapture,
} from '../../../emulator/email/startEmailCapture.js';
import { LocalTokenIssuer } from '../../../emulator/identity/localTokenIssuer.js';
import { acsEmailSender, emailOperationId } from '../../../src/app/notify/acsEmailSender.js';

const APP = '22222222-2222-2222-2222-222222222222';
const issuer = new LocalTokenIssuer();
let certificate: LocalCertificate;
let capture: RunningEmailCapture;
let dir: string;

const credential = (clientId: string, audience = COMMUNICATION_AUDIENCE): TokenCredential => ({
  getToken: async (): Promise<AccessToken> => ({
    token: issuer.issue({ clientId }, audience).accessToken,
    expiresOnTimestamp: Date.now() + 3600_000,
  }),
});
const message = (subject: string) => ({
  senderAddress: 'DoNotReply@mediaferry.local',
  recipients: { to: [{ address: 'ops@example.com' }] },
  content: { subject, plainText: 'plain', html: '<p>html</p>' },
});

beforeAll(async () => {
  certificate = ensureLocalCertificate(process.env.MEDIAFERRY_TEST_CERT_DIR as string);
  dir = mkdtempSync(join(tmpdir(), 'mediaferry-mail-'));
  capture = await startEmailCapture({ certificate, tokenIssuer: issuer, authorizedClientIds: [APP], dir });
});
afterAll(async () => {
  await capture?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function sender(clientId: string, audience?: string) {
  return acsEmailSender(capture.endpoint, credential(clientId, audience), {
    clientOptions: { tlsOptions: { ca: certificate.cert } },
    pollTimeoutMs: 10_000,
  });
}

describe('the local ACS Email capture, driven by the Azure SDK as the app drives it', () => {
  it('accepts a send with the app identity, reports it Succeeded, and keeps the mail', async () => {
    const id = emailOperationId('job-a', 'job.failed');
    expect(await sender(APP)(message('first'), id)).toEqual({ delivered: true, status: 202 });
    const mail = capture.mails().find((m) => m.operationId === id);
    expect(mail).toMatchObject({
      clientId: APP,
      senderAddress: 'DoNotReply@mediaferry.local',
      to: ['ops@example.com'],
      subject: 'first',
      plainText: 'plain',
      html: '<p>html</p>',
    });
    expect(JSON.parse(readFileSync(join(dir, `${id}.json`), 'utf8'))).toMatchObject({ subject: 'first' });
  });

  it('treats a repeated Operation-Id as the same operation: no second mail', async () => {
    const id = emailOperationId('job-b', 'job.succeeded');
    await sender(APP)(message('once'), id);
    expect(await sender(APP)(message('twice'), id)).toEqual({ delivered: true, status: 202 });
    expect(
      capture
        .mails()
        .filter((m) => m.operationId === id)
        .map((m) => m.subject),
    ).toEqual(['once']);
  });

  it('refuses a token for another audience (401) and an identity without the role (403), keeping nothing', async () => {
    const before = capture.mails().length;
    expect(
      await sender(APP, 'https://management.azure.com')(
        message('x'),
        emailOperationId('job-c', 'job.failed'),
      ),
    ).toMatchObject({ delivered: false, status: 401, retryable: false, code: 'EMAIL_REJECTED' });
    expect(
      await sender('33333333-3333-3333-3333-333333333333')(
        message('x'),
        emailOperationId('job-d', 'job.failed'),
      ),
    ).toMatchObject({ delivered: false, status: 403, retryable: false });
    expect(capture.mails().length).toBe(before);
  });

  it('makes one stable uuid Operation-Id per job and final state', () => {
    const id = emailOperationId('job-e', 'job.failed');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(emailOperationId('job-e', 'job.failed')).toBe(id);
    expect(emailOperationId('job-e', 'job.canceled')).not.toBe(id);
  });

  it('answers a malformed send with 400 and the API error shape', async () => {
    const token = issuer.issue({ clientId: APP }, COMMUNICATION_AUDIENCE).accessToken;
    const { request } = await import('node:https');
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        `${capture.endpoint}/emails:send?api-version=2025-09-01`,
        {
          method: 'POST',
          ca: certificate.cert,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ senderAddress: 'a@b.c', content: { subject: 's' }, recipients: { to: [] } }));
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'BadRequest' } });
  });
});
