// Over 400 lines: the starter's whole request contract, case by case, on one shared set-up.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetConfigCache } from '../../src/app/config.js';
import { startJobFromHttp } from '../../src/app/functions/orchestratorHttpStart.js';
import { MAX_REQUEST_BYTES, instanceIdForIdempotencyKey } from '../../src/shared/index.js';
import { validAppSettings, useSettings } from './support/appSettings.js';
import { InMemoryDurableBackend } from './support/inMemoryDurableBackend.js';
import { answerOf, httpRequest } from './support/invoke.js';

const STARTER_URL = 'http://127.0.0.1:7071/api/orchestrator_httpstart';
const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

const backend = new InMemoryDurableBackend();
let restoreSettings: () => void = () => undefined;

beforeAll(() => backend.start());
afterAll(() => backend.stop());
beforeEach(() => {
  backend.instances.clear();
  backend.starts.length = 0;
  restoreSettings = useSettings(validAppSettings());
  resetConfigCache();
});
afterEach(() => {
  restoreSettings();
  resetConfigCache();
});

/** Runs the rest of the case on valid app settings with `overrides` on top. */
function useSettingsFor(overrides: Parameters<typeof validAppSettings>[0]) {
  restoreSettings();
  restoreSettings = useSettings(validAppSettings(overrides));
  resetConfigCache();
}

/** Full URLs of signed sources the starter kept, by job id (host storage in the app). */
const keptSources = new Map<string, string>();
const signedSources = () => ({
  save: async (id: string, url: string) => void keptSources.set(id, url),
  load: async (id: string) => keptSources.get(id),
  forget: async (id: string) => keptSources.delete(id),
});

async function post(body: string | Buffer | undefined, headers: Record<string, string> = {}) {
  const { context, client, logs } = backend.invocation('orchestrator_httpstart');
  const answer = await answerOf(
    await startJobFromHttp(httpRequest({ url: STARTER_URL, headers, body }), client, context, {
      signedSources,
    }),
  );
  return { ...answer, logs };
}

function errorOf(body: unknown): { code: string; message: string; field?: string } {
  return (body as { error: { code: string; message: string; field?: string } }).error;
}

const json = (value: unknown) => JSON.stringify(value);
/** Posts `value` as a JSON request, `headers` on top of its content type. */
const postJson = (value: unknown, headers: Record<string, string> = {}) =>
  post(json(value), { 'content-type': JSON_TYPE, ...headers });

type BadCase = [
  name: string,
  body: string | Buffer | undefined,
  headers: Record<string, string>,
  status: number,
  code: string,
];
const SOURCE = 'https://example.com/v.mp4';
/** A bad request sent as a form body, the way curl -d sends it. */
const formCase = (name: string, body: string, code: string, status = 400): BadCase => [
  name,
  body,
  { 'content-type': FORM },
  status,
  code,
];
/** A bad request sent as JSON (`headers` on top of its content type). */
const jsonCase = (name: string, body: unknown, code: string, status = 400, headers = {}): BadCase => [
  name,
  json(body),
  { 'content-type': JSON_TYPE, ...headers },
  status,
  code,
];
/** A JSON request for SOURCE with one more field. */
const withField = (field: string, value: unknown) => ({ url: SOURCE, [field]: value });
/** A bad request sent as text/plain. */
const textCase = (name: string, body: string | Buffer, code: string): BadCase => [
  name,
  body,
  { 'content-type': 'text/plain' },
  400,
  code,
];

const badRequests: BadCase[] = [
  formCase(
    'the IMDS address 169.254.169.254',
    'http://169.254.169.254/metadata/identity',
    'SOURCE_ADDRESS_BLOCKED',
  ),
  formCase('a private 10.0.0.1 address', 'http://10.0.0.1/video.mp4', 'PRIVATE_ADDRESS'),
  textCase('a private 192.168.1.10 address', 'https://192.168.1.10/v.mp4', 'PRIVATE_ADDRESS'),
  jsonCase('a private 172.16.5.4 address', { url: 'http://172.16.5.4/v' }, 'PRIVATE_ADDRESS'),
  ['IPv6 loopback [::1]', 'http://[::1]:8080/v.mp4', {}, 400, 'PRIVATE_ADDRESS'],
  ['IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]/v.mp4', {}, 400, 'PRIVATE_ADDRESS'],
  ['IPv6 link-local', 'http://[fe80::1]/v.mp4', {}, 400, 'SOURCE_ADDRESS_BLOCKED'],
  ['the Azure wireserver', 'http://168.63.129.16/machine', {}, 400, 'SOURCE_ADDRESS_BLOCKED'],
  ['a single-label name', 'http://intranet/v.mp4', {}, 400, 'PRIVATE_ADDRESS'],
  textCase(
    'a fragment that yt-dlp reads as smuggled headers',
    `${SOURCE}#__youtubedl_smuggle=%7B%22http_headers%22%3A%7B%22Metadata%22%3A%22true%22%7D%7D`,
    'URL_HAS_FRAGMENT',
  ),
  jsonCase('a fragment in a JSON request', { url: `${SOURCE}#t=10` }, 'URL_HAS_FRAGMENT'),
  textCase(
    'a body with two URLs on two lines',
    'https://example.com/a.mp4\nhttps://example.com/b.mp4',
    'MULTI_LINE_BODY',
  ),
  formCase(
    'a URL split over two lines of a form field',
    'url=https%3A%2F%2Fexample.com%2Fa%0A.mp4',
    'INVALID_URL',
  ),
  formCase('localhost', 'http://localhost:7071/admin', 'PRIVATE_ADDRESS'),
  formCase('a *.localhost name', 'http://api.localhost/v', 'PRIVATE_ADDRESS'),
  [
    'the GCP metadata name',
    'http://metadata.google.internal/computeMetadata/v1/',
    {},
    400,
    'SOURCE_ADDRESS_BLOCKED',
  ],
  formCase('hex loopback 0x7f000001', 'http://0x7f000001/v.mp4', 'PRIVATE_ADDRESS'),
  formCase('decimal loopback 2130706433', 'http://2130706433/v.mp4', 'PRIVATE_ADDRESS'),
  ['short loopback 127.1', 'http://127.1/v.mp4', {}, 400, 'PRIVATE_ADDRESS'],
  ['0.0.0.0', 'http://0.0.0.0:10000/', {}, 400, 'SOURCE_ADDRESS_BLOCKED'],
  formCase('a file:// URL', 'file:///etc/passwd', 'UNSUPPORTED_SCHEME'),
  formCase('an ftp:// URL', 'ftp://example.com/v.mp4', 'UNSUPPORTED_SCHEME'),
  formCase('a javascript: URL', 'javascript:alert(1)', 'UNSUPPORTED_SCHEME'),
  jsonCase('a data: URL in JSON', { url: 'data:text/plain,hi' }, 'UNSUPPORTED_SCHEME'),
  formCase('a "URL" that is a command-line option', '--exec=rm -rf /', 'INVALID_URL'),
  jsonCase('a "URL" starting with - in JSON', { url: '-o/tmp/x https://example.com' }, 'INVALID_URL'),
  textCase('a relative path', '/videos/1.mp4', 'INVALID_URL'),
  formCase('credentials in the URL', 'https://user:secret@example.com/v.mp4', 'URL_HAS_CREDENTIALS'),
  ['a URL over 2048 characters', `https://example.com/${'a'.repeat(2100)}`, {}, 400, 'URL_TOO_LONG'],
  ['JSON that does not parse', `{"url": "${SOURCE}"`, { 'content-type': JSON_TYPE }, 400, 'INVALID_JSON'],
  jsonCase('a JSON array', [SOURCE], 'INVALID_REQUEST'),
  jsonCase('a JSON string', SOURCE, 'INVALID_REQUEST'),
  jsonCase('JSON without url', { maxHeight: 720 }, 'MISSING_URL'),
  jsonCase('a url that is not a string', { url: 42 }, 'MISSING_URL'),
  jsonCase('an unknown field', withField('callbackUrl', 'https://evil.example'), 'UNKNOWN_FIELD'),
  jsonCase('maxHeight out of range', withField('maxHeight', 100000), 'INVALID_FIELD'),
  jsonCase('an outputName escaping its folder', withField('outputName', '../x'), 'INVALID_FIELD'),
  jsonCase('a plain-http notifyUrl', withField('notifyUrl', 'http://example.com/hook'), 'INVALID_FIELD'),
  jsonCase('an idempotencyKey with spaces', withField('idempotencyKey', 'a b'), 'INVALID_FIELD'),
  formCase('an empty body', '', 'EMPTY_BODY'),
  ['no body at all', undefined, {}, 400, 'EMPTY_BODY'],
  ['a whitespace-only JSON body', '  \n', { 'content-type': JSON_TYPE }, 400, 'EMPTY_BODY'],
  jsonCase(
    'a body over 16 KiB',
    withField('outputName', 'x'.repeat(MAX_REQUEST_BYTES)),
    'REQUEST_TOO_LARGE',
    413,
  ),
  formCase(
    'an oversize bare URL body',
    `https://example.com/${'a'.repeat(MAX_REQUEST_BYTES + 1)}`,
    'REQUEST_TOO_LARGE',
    413,
  ),
  [
    'a multipart body',
    `--x\r\n\r\n${SOURCE}\r\n--x--`,
    { 'content-type': 'multipart/form-data; boundary=x' },
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  ],
  [
    'an XML body',
    `<url>${SOURCE}</url>`,
    { 'content-type': 'application/xml' },
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  ],
  textCase('a body that is not UTF-8', Buffer.from([0x68, 0x74, 0xff, 0xfe, 0x3a]), 'INVALID_ENCODING'),
  [
    'an Idempotency-Key header with spaces',
    SOURCE,
    { 'content-type': FORM, 'idempotency-key': 'not valid' },
    400,
    'INVALID_IDEMPOTENCY_KEY',
  ],
  jsonCase(
    'a notifyEmail that is not an address',
    withField('notifyEmail', 'ops at example.com'),
    'INVALID_FIELD',
  ),
  jsonCase(
    'a notifyEmail with two addresses',
    withField('notifyEmail', 'a@example.com, b@example.com'),
    'INVALID_FIELD',
  ),
  jsonCase(
    'a notifyEmail with a display name and angle brackets',
    withField('notifyEmail', 'Ops <ops@example.com>'),
    'INVALID_FIELD',
  ),
  jsonCase(
    'a notifyEmail when the app sends no mail',
    withField('notifyEmail', 'ops@example.com'),
    'EMAIL_NOT_CONFIGURED',
  ),
  jsonCase(
    'header and field keys that differ',
    withField('idempotencyKey', 'key-a'),
    'IDEMPOTENCY_KEY_MISMATCH',
    400,
    { 'idempotency-key': 'key-b' },
  ),
];

describe('POST /api/orchestrator_httpstart rejects bad requests and starts nothing', () => {
  it('covers at least 30 distinct bad requests', () => {
    expect(badRequests.length).toBeGreaterThanOrEqual(30);
  });

  it.each(badRequests)('refuses %s', async (_name, body, headers, status, code) => {
    const answer = await post(body, headers);
    expect(answer.status).toBe(status);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    const error = errorOf(answer.body);
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(10);
    expect(answer.text).not.toMatch(/\n\s+at /); // no stack trace
    expect(backend.starts).toHaveLength(0);
    expect(backend.instances.size).toBe(0);
  });

  it('names the offending field', async () => {
    const answer = await postJson({ url: SOURCE, maxHeight: 1 });
    expect(errorOf(answer.body).field).toBe('maxHeight');
    const unknown = await postJson({ url: SOURCE, colour: 'red' });
    expect(errorOf(unknown.body)).toMatchObject({ code: 'UNKNOWN_FIELD', field: 'colour' });
  });
});

describe('POST /api/orchestrator_httpstart starts a job', () => {
  it('accepts a bare URL sent the way curl -d sends it (form-urlencoded) and answers 202 with the status URLs', async () => {
    const answer = await post('https://media.example.com/clip.mp4?a=1&b=2', { 'content-type': FORM });
    expect(answer.status).toBe(202);
    const body = answer.body as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(['id', 'statusQueryGetUri']);
    expect(body.id).toMatch(/^[0-9a-f]{32}$/);
    // The status URL is the app's own, on the origin the caller used: no Durable URL, no system key.
    expect(body.statusQueryGetUri).toBe(`http://127.0.0.1:7071/api/jobs/${body.id}/status`);
    expect(answer.text).not.toMatch(/runtime\/webhooks|SYSTEMKEY|taskHub=/);
    expect(answer.headers.get('location')).toBe(body.statusQueryGetUri);
    expect(answer.headers.get('retry-after')).toBe('10');
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);

    expect(backend.starts).toHaveLength(1);
    const start = backend.starts[0];
    expect(start?.name).toBe('jobOrchestrator');
    expect(start?.instanceId).toBe(body.id);
    // The query string may carry credentials: the input holds the URL redacted, the full one is kept aside.
    expect(start?.input).toMatchObject({
      request: { url: 'https://media.example.com/clip.mp4?redacted' },
      outputBlobName: `${body.id}/${body.id}.mp4`,
      signedSource: true,
    });
    expect(keptSources.get(body.id!)).toBe('https://media.example.com/clip.mp4?a=1&b=2');
    expect(Date.parse((start?.input as { submittedAt: string }).submittedAt)).not.toBeNaN();
  });

  it('accepts a URL sent with curl --data-urlencode', async () => {
    const answer = await post(encodeURIComponent('https://media.example.com/a b.mp4'), {
      'content-type': FORM,
    });
    expect(answer.status).toBe(202);
    expect(backend.starts[0]?.input).toMatchObject({
      request: { url: 'https://media.example.com/a%20b.mp4' },
    });
  });

  it('accepts a URL as text/plain and with no content type, ignoring surrounding whitespace', async () => {
    expect(
      (await post('  https://media.example.com/1.mp4\n', { 'content-type': 'text/plain; charset=utf-8' }))
        .status,
    ).toBe(202);
    expect((await post('https://media.example.com/2.mp4', {})).status).toBe(202);
    expect(backend.starts.map((s) => (s.input as { request: { url: string } }).request.url)).toEqual([
      'https://media.example.com/1.mp4',
      'https://media.example.com/2.mp4',
    ]);
  });

  it('accepts a JSON job request and passes its options to the orchestration', async () => {
    const request = {
      url: 'https://media.example.com/talk',
      maxHeight: 720,
      maxBytes: 1_000_000,
      outputName: 'talks/2026/keynote',
    };
    const answer = await post(json(request), { 'content-type': 'application/json; charset=utf-8' });
    expect(answer.status).toBe(202);
    const id = (answer.body as { id: string }).id;
    expect(backend.starts[0]?.input).toMatchObject({
      request,
      outputBlobName: `${id}/talks/2026/keynote.mp4`,
    });
    expect(backend.instances.get(id)?.name).toBe('jobOrchestrator');
  });

  it('starts a request with playlist as a playlist job, its defaults filled in', async () => {
    const request = { url: 'https://media.example.com/podcast.xml', playlist: { concurrency: 4 } };
    const answer = await post(json(request), { 'content-type': 'application/json' });
    expect(answer.status).toBe(202);
    const id = (answer.body as { id: string }).id;
    expect(backend.instances.get(id)?.name).toBe('playlistOrchestrator');
    expect(backend.starts[0]?.input).toMatchObject({
      request: { url: request.url, playlist: { maxItems: 25, concurrency: 4 } },
    });
  });

  it('accepts loopback sources when ALLOW_PRIVATE_SOURCES is true (local development)', async () => {
    useSettingsFor({ ALLOW_PRIVATE_SOURCES: 'true' });
    const answer = await post('http://127.0.0.1:8080/sample.mp4', { 'content-type': FORM });
    expect(answer.status).toBe(202);
    expect(backend.starts).toHaveLength(1);
  });

  it('refuses limits above the operator ceilings, naming the ceiling', async () => {
    useSettingsFor({
      DEFAULT_MAX_BYTES: '1000',
      MAX_BYTES_LIMIT: '5000',
      DEFAULT_MAX_DURATION_SECONDS: '60',
      MAX_DURATION_LIMIT: '600',
    });
    const tooMany = await postJson({ url: SOURCE, maxBytes: 5001 });
    expect(tooMany.status).toBe(400);
    expect(errorOf(tooMany.body)).toMatchObject({ code: 'ABOVE_LIMIT', field: 'maxBytes' });
    expect(errorOf(tooMany.body).message).toContain('MAX_BYTES_LIMIT');
    const tooLong = await postJson({ url: SOURCE, maxDurationSeconds: 601 });
    expect(errorOf(tooLong.body)).toMatchObject({ code: 'ABOVE_LIMIT', field: 'maxDurationSeconds' });
    expect(backend.starts).toHaveLength(0);
    const atTheCeiling = await postJson({
      url: 'https://example.com/v.mp4',
      maxBytes: 5000,
      maxDurationSeconds: 600,
    });
    expect(atTheCeiling.status).toBe(202);
  });

  it('still refuses metadata addresses when ALLOW_PRIVATE_SOURCES is true', async () => {
    useSettingsFor({ ALLOW_PRIVATE_SOURCES: 'true' });
    const answer = await post('http://169.254.169.254/metadata/identity', { 'content-type': FORM });
    expect(answer.status).toBe(400);
    expect(errorOf(answer.body).code).toBe('SOURCE_ADDRESS_BLOCKED');
    expect(backend.starts).toHaveLength(0);
  });

  it('accepts exactly the host:port entries of ALLOWED_PRIVATE_SOURCES while private sources are refused', async () => {
    useSettingsFor({ ALLOWED_PRIVATE_SOURCES: '127.0.0.1:8081' });
    expect((await post('http://127.0.0.1:8081/sample.mp4', { 'content-type': FORM })).status).toBe(202);
    const otherPort = await post('http://127.0.0.1:8082/sample.mp4', { 'content-type': FORM });
    expect(otherPort.status).toBe(400);
    expect(errorOf(otherPort.body).code).toBe('PRIVATE_ADDRESS');
    expect(backend.starts).toHaveLength(1);
  });
});

describe('POST /api/orchestrator_httpstart with an idempotency key', () => {
  it('answers a repeat with the same job (same id, 202) and starts only one orchestration', async () => {
    const headers = { 'content-type': FORM, 'idempotency-key': 'upload-2026-11-22-001' };
    const first = await post('https://media.example.com/clip.mp4', headers);
    const second = await post('https://media.example.com/clip.mp4', headers);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    const id = (first.body as { id: string }).id;
    expect(id).toBe(instanceIdForIdempotencyKey('upload-2026-11-22-001'));
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
    expect(backend.starts).toHaveLength(1);
  });

  it('treats the idempotencyKey field like the header', async () => {
    const first = await postJson({ url: 'https://media.example.com/x', idempotencyKey: 'k-1' });
    const second = await post('https://media.example.com/x', { 'idempotency-key': 'k-1' });
    const both = await postJson(
      { url: 'https://media.example.com/x', idempotencyKey: 'k-1' },
      { 'idempotency-key': 'k-1' },
    );
    expect(new Set([first, second, both].map((a) => (a.body as { id: string }).id)).size).toBe(1);
    expect(backend.starts).toHaveLength(1);
    expect(backend.starts[0]?.input).toMatchObject({ request: { idempotencyKey: 'k-1' } });
  });

  it('returns a finished job for a repeated key instead of running it again', async () => {
    const id = instanceIdForIdempotencyKey('done-job');
    backend.addInstance(id, 'Completed');
    const answer = await post('https://media.example.com/x', { 'idempotency-key': 'done-job' });
    expect(answer.status).toBe(202);
    expect((answer.body as { id: string }).id).toBe(id);
    expect(backend.starts).toHaveLength(0);
  });

  it('starts one job when two requests with the same key arrive together', async () => {
    const headers = { 'content-type': FORM, 'idempotency-key': 'concurrent-key' };
    const answers = await Promise.all([1, 2, 3].map(() => post('https://media.example.com/c.mp4', headers)));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    expect(new Set(answers.map((a) => (a.body as { id: string }).id)).size).toBe(1);
    expect(backend.instances.size).toBe(1);
  });

  it('refuses a reused key with a different request (409 IDEMPOTENCY_KEY_REUSED) and starts nothing more', async () => {
    const headers = { 'content-type': JSON_TYPE, 'idempotency-key': 'reused-key' };
    const first = await post(json({ url: 'https://media.example.com/a.mp4' }), headers);
    expect(first.status).toBe(202);
    const otherUrl = await post(json({ url: 'https://media.example.com/b.mp4' }), headers);
    const otherOption = await post(json({ url: 'https://media.example.com/a.mp4', maxHeight: 720 }), headers);
    for (const answer of [otherUrl, otherOption]) {
      expect(answer.status).toBe(409);
      expect(errorOf(answer.body)).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', field: 'idempotencyKey' });
    }
    expect(backend.starts).toHaveLength(1);
    // The same request sent another way (bare URL, keys in another order) is still the same job.
    const again = await post('https://media.example.com/a.mp4', { 'idempotency-key': 'reused-key' });
    expect(again.status).toBe(202);
    expect((again.body as { id: string }).id).toBe((first.body as { id: string }).id);
  });

  it('gives different keys different jobs', async () => {
    const a = await post('https://media.example.com/x', { 'idempotency-key': 'key-a' });
    const b = await post('https://media.example.com/x', { 'idempotency-key': 'key-b' });
    expect((a.body as { id: string }).id).not.toBe((b.body as { id: string }).id);
    expect(backend.starts).toHaveLength(2);
  });
});

describe('POST /api/orchestrator_httpstart with invalid app settings', () => {
  it('answers 500 BAD_CONFIG naming the bad settings, without their values, and starts nothing', async () => {
    useSettingsFor({
      WORKER_IMAGE: undefined,
      JOB_DEADLINE_MINUTES: 'soon',
      CALLBACK_SIGNING_KEY: 'short',
    });
    const answer = await post('https://media.example.com/x', { 'content-type': FORM });
    expect(answer.status).toBe(500);
    const error = errorOf(answer.body) as { code: string; message: string; settings: string[] };
    expect(error.code).toBe('BAD_CONFIG');
    expect(error.settings.sort()).toEqual(['CALLBACK_SIGNING_KEY', 'JOB_DEADLINE_MINUTES', 'WORKER_IMAGE']);
    expect(error.message).toContain('WORKER_IMAGE');
    expect(answer.text).not.toContain('short');
    expect(answer.text).not.toContain('soon');
    expect(answer.logs.join('\n')).toContain('JOB_DEADLINE_MINUTES');
    expect(backend.starts).toHaveLength(0);
  });
});
