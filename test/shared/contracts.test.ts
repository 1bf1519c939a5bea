import { describe, expect, it } from 'vitest';
import {
  EVENT_NAMES,
  instanceIdForIdempotencyKey,
  jobProgressSchema,
  jobResultSchema,
  jobBlobNameProblem,
  outputBlobName,
  containerGroupName,
  parseJobRequest,
} from '../../src/shared/index.js';

const policy = { allowPrivateSources: false };

describe('parseJobRequest', () => {
  it('accepts a minimal request and one with every option', () => {
    expect(parseJobRequest({ url: 'https://example.com/v' }, policy)).toEqual({
      ok: true,
      request: { url: 'https://example.com/v' },
    });
    const full = {
      url: 'https://example.com/v',
      maxHeight: 1080,
      maxBytes: 10_000_000,
      maxDurationSeconds: 600,
      outputName: 'a/b-c_d.e',
      notifyUrl: 'https://hooks.example.com/x',
      idempotencyKey: 'abc-123',
      maxAttempts: 5,
    };
    expect(parseJobRequest(full, policy)).toEqual({ ok: true, request: full });
  });

  it.each([
    [{ url: 'https://example.com', extra: 1 }, 'UNKNOWN_FIELD', 'extra'],
    [{}, 'MISSING_URL', 'url'],
    [{ url: 'http://10.1.1.1/' }, 'PRIVATE_ADDRESS', 'url'],
    [{ url: 'https://example.com', maxHeight: 143 }, 'INVALID_FIELD', 'maxHeight'],
    [{ url: 'https://example.com', maxBytes: 0 }, 'INVALID_FIELD', 'maxBytes'],
    [{ url: 'https://example.com', maxDurationSeconds: 86401 }, 'INVALID_FIELD', 'maxDurationSeconds'],
    [{ url: 'https://example.com', outputName: '/abs' }, 'INVALID_FIELD', 'outputName'],
    [{ url: 'https://example.com', outputName: 'a//b' }, 'INVALID_FIELD', 'outputName'],
    [{ url: 'https://example.com', idempotencyKey: '' }, 'INVALID_FIELD', 'idempotencyKey'],
    [{ url: 'https://example.com', maxAttempts: 0 }, 'INVALID_FIELD', 'maxAttempts'],
    [{ url: 'https://example.com', maxAttempts: 6 }, 'INVALID_FIELD', 'maxAttempts'],
    [{ url: 'https://example.com', maxAttempts: 1.5 }, 'INVALID_FIELD', 'maxAttempts'],
    [{ url: 'https://example.com', maxAttempts: '2' }, 'INVALID_FIELD', 'maxAttempts'],
    [{ url: 'https://example.com', playlist: { maxItems: 0 } }, 'INVALID_FIELD', 'playlist.maxItems'],
    [{ url: 'https://example.com', playlist: { maxItems: 201 } }, 'INVALID_FIELD', 'playlist.maxItems'],
    [{ url: 'https://example.com', playlist: { concurrency: 0 } }, 'INVALID_FIELD', 'playlist.concurrency'],
    [{ url: 'https://example.com', playlist: { concurrency: 9 } }, 'INVALID_FIELD', 'playlist.concurrency'],
    [{ url: 'https://example.com', playlist: true }, 'INVALID_FIELD', 'playlist'],
  ])('refuses %j with %s naming %s', (value, code, field) => {
    expect(parseJobRequest(value, policy)).toMatchObject({ ok: false, problem: { code, field } });
  });

  it('fills in the playlist defaults: 25 items, 2 at once', () => {
    expect(parseJobRequest({ url: 'https://example.com/feed', playlist: {} }, policy)).toEqual({
      ok: true,
      request: { url: 'https://example.com/feed', playlist: { maxItems: 25, concurrency: 2 } },
    });
    expect(
      parseJobRequest(
        { url: 'https://example.com/feed', playlist: { maxItems: 200, concurrency: 8 } },
        policy,
      ),
    ).toMatchObject({ ok: true, request: { playlist: { maxItems: 200, concurrency: 8 } } });
  });

  it('refuses values that are not objects without naming a field', () => {
    for (const value of [null, 'https://example.com', 42, ['https://example.com']])
      expect(parseJobRequest(value, policy)).toMatchObject({
        ok: false,
        problem: { code: 'INVALID_REQUEST' },
      });
  });
});

describe('job naming', () => {
  it('maps an idempotency key to the same instance id every time, and different keys apart', () => {
    expect(instanceIdForIdempotencyKey('k')).toBe(instanceIdForIdempotencyKey('k'));
    expect(instanceIdForIdempotencyKey('k')).not.toBe(instanceIdForIdempotencyKey('K'));
    expect(instanceIdForIdempotencyKey('k')).toMatch(/^idem-[0-9a-f]{32}$/);
  });

  it('names the output after the instance unless asked otherwise, always under the job prefix and ending in .mp4', () => {
    expect(outputBlobName('abc', undefined)).toBe('abc/abc.mp4');
    expect(outputBlobName('abc', 'talks/keynote')).toBe('abc/talks/keynote.mp4');
    expect(outputBlobName('abc', 'clip.MP4')).toBe('abc/clip.MP4');
  });

  it('names each attempt’s container group apart, the first as before, and never another job’s', () => {
    expect(containerGroupName('abc')).toBe('mf-abc');
    expect(containerGroupName('abc', 1)).toBe('mf-abc');
    expect(containerGroupName('abc', 2)).toBe('mf-abc-a2');
    // A job whose id ends like an attempt suffix gets a hashed name, so it cannot take job abc's second group.
    expect(containerGroupName('abc-a2')).not.toBe(containerGroupName('abc', 2));
    const long = 'x'.repeat(100);
    for (const attempt of [1, 2, 5]) {
      const name = containerGroupName(long, attempt);
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    }
    expect(new Set([1, 2, 3, 4, 5].map((a) => containerGroupName(long, a))).size).toBe(5);
  });

  it('gives two jobs asking for the same outputName two different blobs', () => {
    expect(outputBlobName('job-a', 'clip')).not.toBe(outputBlobName('job-b', 'clip'));
  });

  it("accepts only plain paths under the job's own prefix as its blob names", () => {
    expect(jobBlobNameProblem('abc', 'abc/clip.mp4')).toBeUndefined();
    expect(jobBlobNameProblem('abc', 'abc/talks/2026/clip.mp4')).toBeUndefined();
    expect(jobBlobNameProblem('abc', '../mediaferry-system/x')).toMatch(/prefix/);
    expect(jobBlobNameProblem('abc', 'abcd/clip.mp4')).toMatch(/prefix/);
    expect(jobBlobNameProblem('abc', 'other/clip.mp4')).toMatch(/prefix/);
    expect(jobBlobNameProblem('abc', 'abc/../x.mp4')).toMatch(/relative path/);
    expect(jobBlobNameProblem('abc', 'abc/./x.mp4')).toMatch(/relative path/);
    expect(jobBlobNameProblem('abc', 'abc//x.mp4')).toMatch(/relative path/);
    expect(jobBlobNameProblem('abc', 'abc/x%2F..%2Fy.mp4')).toMatch(/relative path/);
    expect(jobBlobNameProblem('..', '../x.mp4')).toMatch(/instance id/);
  });
});

describe('event payloads', () => {
  it('names the events the worker sends', () => {
    expect(EVENT_NAMES).toEqual({
      progress: 'JobProgress',
      finished: 'JobFinished',
      listed: 'PlaylistListed',
    });
  });

  it('accepts progress within bounds and refuses the rest', () => {
    expect(jobProgressSchema.safeParse({ phase: 'Uploading', percent: 100 }).success).toBe(true);
    expect(jobProgressSchema.safeParse({ phase: 'Uploading', percent: -1 }).success).toBe(false);
    expect(jobProgressSchema.safeParse({ phase: 'Done' }).success).toBe(false);
    expect(jobProgressSchema.safeParse({ phase: 'Uploading', bytes: 1.5 }).success).toBe(false);
  });

  it('tells a success from a failure by status and requires each one’s own fields', () => {
    const failure = { status: 'Failed', error: { code: 'TOO_LARGE', message: 'too big', retryable: false } };
    expect(jobResultSchema.safeParse(failure).success).toBe(true);
    expect(jobResultSchema.safeParse({ ...failure, status: 'Succeeded' }).success).toBe(false);
    expect(jobResultSchema.safeParse({ status: 'Failed' }).success).toBe(false);
    expect(
      jobResultSchema.safeParse({ ...failure, error: { ...failure.error, code: 'has spaces' } }).success,
    ).toBe(false);
  });
});
