import type { DurableOrchestrationStatus } from 'durable-functions';
import { describe, expect, it } from 'vitest';
import { buildJobView } from '../../../src/app/jobs/buildJobView.js';

const ID = '0123456789abcdef0123456789abcdef';

function statusWith(request: Record<string, unknown>): DurableOrchestrationStatus {
  return {
    name: 'jobOrchestrator',
    instanceId: ID,
    createdTime: new Date('2026-12-02T20:15:33.703Z'),
    lastUpdatedTime: new Date('2026-12-02T20:15:44.836Z'),
    input: { request },
    output: null,
    runtimeStatus: 'Running',
    customStatus: { phase: 'Downloading', percent: 10 },
  } as unknown as DurableOrchestrationStatus;
}

async function viewOf(request: Record<string, unknown>) {
  return buildJobView({
    status: statusWith(request),
    statusQueryGetUri: `http://127.0.0.1:7071/api/jobs/${ID}/status`,
    readLink: () => Promise.reject(new Error('a running job has no outputs to link')),
  });
}

describe('buildJobView shows the request without what it must not hand out', () => {
  it.each([
    [
      'url',
      'https://media.example.com/clip.mp4?sv=2025-07-05&sig=SECRET',
      'https://media.example.com/clip.mp4?redacted',
    ],
    ['url', 'https://media.example.com/clip.mp4#token=SECRET', 'https://media.example.com/clip.mp4?redacted'],
    ['notifyUrl', 'https://hooks.example.com/in?token=SECRET', 'https://hooks.example.com/in?redacted'],
  ])(
    'replaces the query and fragment of %s %s with the one redaction marker',
    async (field, given, shown) => {
      const view = await viewOf({ url: 'https://media.example.com/plain.mp4', [field]: given });
      expect(view.request[field as 'url' | 'notifyUrl']).toBe(shown);
      expect(JSON.stringify(view)).not.toContain('SECRET');
    },
  );

  it('shows a source URL without a query as it is, in the request and as the source', async () => {
    const view = await viewOf({ url: 'https://media.example.com/watch/abc' });
    expect(view.request.url).toBe('https://media.example.com/watch/abc');
    expect(view.source.url).toBe('https://media.example.com/watch/abc');
  });

  it('leaves out the idempotency key', async () => {
    const view = await viewOf({ url: 'https://media.example.com/a.mp4', idempotencyKey: 'caller-key-1' });
    expect(view.request).not.toHaveProperty('idempotencyKey');
  });
});
