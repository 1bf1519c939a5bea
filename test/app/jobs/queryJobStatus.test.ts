import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { queryJobStatus } from '../../../src/app/jobs/queryJobStatus.js';
import { InMemoryDurableBackend } from '../support/inMemoryDurableBackend.js';
import { answerOf, httpRequest } from '../support/invoke.js';

const backend = new InMemoryDurableBackend();
const ID = '0123456789abcdef0123456789abcdef';

beforeAll(() => backend.start());
afterAll(() => backend.stop());
beforeEach(() => backend.instances.clear());

async function query(id: string, options: { method?: string; search?: string } = {}) {
  const { context, client } = backend.invocation('jobStatus');
  const request = httpRequest({
    url: `http://127.0.0.1:7071/api/jobs/${id}/status${options.search ?? ''}`,
    method: options.method ?? 'GET',
    params: { id },
  });
  return answerOf(await queryJobStatus(request, client, context));
}

describe('GET /api/jobs/{id}/status serves the Durable check-status shape from the app', () => {
  it('answers 202 with Location and Retry-After while the job runs', async () => {
    backend.addInstance(ID, 'Running');
    const instance = backend.instances.get(ID)!;
    instance.customStatus = { phase: 'Downloading', percent: 40 };
    instance.input = { request: { url: 'https://media.example.com/secret?sig=abc' } };
    const answer = await query(ID);
    expect(answer.status).toBe(202);
    expect(answer.headers.get('location')).toBe(`http://127.0.0.1:7071/api/jobs/${ID}/status`);
    expect(answer.headers.get('retry-after')).toBe('10');
    expect(answer.body).toMatchObject({
      name: 'jobOrchestrator',
      instanceId: ID,
      runtimeStatus: 'Running',
      customStatus: { phase: 'Downloading', percent: 40 },
    });
    // The orchestration input (which holds the full source URL) is not handed out.
    expect(answer.text).not.toContain('sig=abc');
  });

  it('answers 200 with the output once the job is final, and no Retry-After', async () => {
    backend.addInstance(ID, 'Completed');
    backend.instances.get(ID)!.output = { status: 'Succeeded', outputs: [] };
    const answer = await query(ID);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('retry-after')).toBeNull();
    expect(answer.body).toMatchObject({ runtimeStatus: 'Completed', output: { status: 'Succeeded' } });
  });

  it("keeps the caller's own function key in the Location it hands back", async () => {
    backend.addInstance(ID, 'Running');
    const answer = await query(ID, { search: '?code=caller-key' });
    expect(answer.headers.get('location')).toBe(
      `http://127.0.0.1:7071/api/jobs/${ID}/status?code=caller-key`,
    );
  });

  it.each([
    ['an unknown job', ID, 'GET', 404, 'JOB_NOT_FOUND'],
    ['an id that is not a job id', 'not-a-job', 'GET', 400, 'INVALID_JOB_ID'],
    ['a path-like id', '..%2F..%2Fadmin', 'GET', 400, 'INVALID_JOB_ID'],
    ['an upper-case id', ID.toUpperCase(), 'GET', 400, 'INVALID_JOB_ID'],
    ['a POST', ID, 'POST', 405, 'METHOD_NOT_ALLOWED'],
    ['a DELETE', ID, 'DELETE', 405, 'METHOD_NOT_ALLOWED'],
  ])('refuses %s', async (_name, id, method, status, code) => {
    const answer = await query(id, { method });
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ error: { code, retryable: false } });
  });

  it('does not show instances of other orchestrations', async () => {
    backend.addInstance(ID, 'Running', 'someOtherOrchestrator');
    const answer = await query(ID);
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ error: { code: 'JOB_NOT_FOUND' } });
  });
});
