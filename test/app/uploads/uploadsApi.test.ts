import { InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { createUpload, type UploadsApiDependencies } from '../../../src/app/uploads/uploadsApi.js';
import type { UploadRecord } from '../../../src/app/uploads/uploadRecords.js';
import { answerOf, httpRequest } from '../support/invoke.js';

const URL_ = 'http://localhost:7071/api/uploads';

const EMAIL = { acsEndpoint: 'https://mail.communication.azure.com', senderAddress: 'jobs@example.com' };

function setup(email: UploadsApiDependencies['config']['email'] = undefined) {
  const issued: string[] = [];
  const saved: UploadRecord[] = [];
  const deps: UploadsApiDependencies = {
    config: {
      allowPrivateSources: false,
      allowedPrivateSources: [],
      uploadMaxBytes: 1000,
      maxBytesLimit: 5000,
      maxDurationLimitSeconds: 600,
      email,
    },
    uploadLink: async (blobName) => {
      issued.push(blobName);
      return {
        url: `https://acct.blob.core.windows.net/incoming/${blobName}?sig=x`,
        expiresAt: new Date('2030-01-01T01:00:00Z'),
      };
    },
    saveRecord: async (record) => {
      saved.push(record);
    },
    now: () => new Date('2030-01-01T00:00:00Z'),
  };
  const post = async (
    body: unknown,
    headers: Record<string, string> = { 'content-type': 'application/json' },
  ) =>
    answerOf(
      await createUpload(
        httpRequest({ url: URL_, headers, body: typeof body === 'string' ? body : JSON.stringify(body) }),
        new InvocationContext({ functionName: 'uploads' }),
        () => deps,
      ),
    );
  return { issued, saved, post };
}

const errorCode = (body: unknown) => (body as { error: { code: string; field?: string } }).error;

describe('POST /api/uploads', () => {
  it('records notifyEmail for the job when the app sends mail, and refuses it when it does not', async () => {
    const withMail = setup(EMAIL);
    const request = { filename: 'talk.mov', contentType: 'video/quicktime', notifyEmail: 'ops@example.com' };
    expect((await withMail.post(request)).status).toBe(201);
    expect(withMail.saved[0]!.options).toMatchObject({ notifyEmail: 'ops@example.com' });

    const withoutMail = setup();
    const refused = await withoutMail.post(request);
    expect(refused.status).toBe(400);
    expect(errorCode(refused.body)).toMatchObject({ code: 'EMAIL_NOT_CONFIGURED', field: 'notifyEmail' });
    expect(withoutMail.saved).toEqual([]);
    expect(withoutMail.issued).toEqual([]);

    const malformed = await setup(EMAIL).post({ ...request, notifyEmail: 'not an address' });
    expect(malformed.status).toBe(400);
    expect(errorCode(malformed.body).field).toBe('notifyEmail');
  });

  it('answers 201 with a link for one blob under a fresh upload id and records the job options', async () => {
    const { issued, saved, post } = setup();
    const answer = await post({
      filename: 'talk.mov',
      contentType: 'video/quicktime',
      bytes: 900,
      preset: 'streaming',
    });
    expect(answer.status).toBe(201);
    const body = answer.body as Record<string, string>;
    expect(body.uploadId).toMatch(/^[a-f0-9]{32}$/);
    expect(body).toMatchObject({
      jobId: `upload-${body.uploadId}`,
      blobName: `incoming/${body.uploadId}/talk.mov`,
      expiresAt: '2030-01-01T01:00:00.000Z',
    });
    expect(body.uploadUrl).toContain(`/incoming/${body.uploadId}/talk.mov?`);
    expect(answer.headers.get('location')).toBe(`http://localhost:7071/api/jobs/upload-${body.uploadId}`);
    expect(issued).toEqual([`${body.uploadId}/talk.mov`]);
    expect(saved).toEqual([
      {
        uploadId: body.uploadId,
        blobName: `${body.uploadId}/talk.mov`,
        contentType: 'video/quicktime',
        bytes: 900,
        options: { preset: 'streaming' },
        createdAt: '2030-01-01T00:00:00.000Z',
        expiresAt: '2030-01-01T01:00:00.000Z',
      },
    ]);
  });

  it.each([
    ['a document', { filename: 'a.pdf', contentType: 'application/pdf' }, 400, 'UNSUPPORTED_CONTENT_TYPE'],
    ['a path as file name', { filename: 'a/b.mp4', contentType: 'video/mp4' }, 400, 'INVALID_FILENAME'],
    ['a parent segment', { filename: '..', contentType: 'video/mp4' }, 400, 'INVALID_FILENAME'],
    ['a backslash', { filename: '..\\x.mp4', contentType: 'video/mp4' }, 400, 'INVALID_FILENAME'],
    ['a control character', { filename: 'a\nb.mp4', contentType: 'video/mp4' }, 400, 'INVALID_FILENAME'],
    [
      'an unknown field',
      { filename: 'a.mp4', contentType: 'video/mp4', url: 'https://x' },
      400,
      'UNKNOWN_FIELD',
    ],
    [
      'an idempotency key (it would do nothing)',
      { filename: 'a.mp4', contentType: 'audio/mpeg', idempotencyKey: 'k' },
      400,
      'UNKNOWN_FIELD',
    ],
    ['no file name', { contentType: 'video/mp4' }, 400, 'INVALID_FIELD'],
    [
      'a file over the upload limit',
      { filename: 'a.mp4', contentType: 'video/mp4', bytes: 1001 },
      413,
      'TOO_LARGE',
    ],
    [
      'maxBytes above the ceiling',
      { filename: 'a.mp4', contentType: 'video/mp4', maxBytes: 5001 },
      400,
      'ABOVE_LIMIT',
    ],
    [
      'preset and outputs together',
      { filename: 'a.mp4', contentType: 'video/mp4', preset: 'audio', outputs: [{ kind: 'mp4' }] },
      400,
      'CONFLICTING_FIELDS',
    ],
    [
      'a plain-http webhook',
      { filename: 'a.mp4', contentType: 'video/mp4', notifyUrl: 'http://hooks.example.com/x' },
      400,
      'INVALID_FIELD',
    ],
  ])('refuses %s with %i %s and issues no link', async (_name, body, status, code) => {
    const { issued, saved, post } = setup();
    const answer = await post(body);
    expect(answer.status).toBe(status);
    expect(errorCode(answer.body).code).toBe(code);
    expect(issued).toEqual([]);
    expect(saved).toEqual([]);
  });

  it('refuses a body that is not JSON (415) or not valid JSON (400)', async () => {
    const { issued, post } = setup();
    expect(
      (await post('filename=a.mp4', { 'content-type': 'application/x-www-form-urlencoded' })).status,
    ).toBe(415);
    expect(errorCode((await post('{', { 'content-type': 'application/json' })).body).code).toBe(
      'INVALID_JSON',
    );
    expect(issued).toEqual([]);
  });
});
