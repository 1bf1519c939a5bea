import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvocationContext } from '@azure/functions';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../../src/app/openapi/openApiDocument.js';
import { serveOpenApi } from '../../../src/app/openapi/serveOpenApi.js';
import { jobRequestSchema } from '../../../src/shared/contracts.js';
import { jobViewSchema } from '../../../src/shared/jobView.js';
import { repoRoot } from '../../support/repoRoot.js';
import { answerOf, httpRequest } from '../support/invoke.js';

interface Operation {
  operationId: string;
  responses: Record<string, { content?: { 'application/json': { schema: { allOf?: unknown[] } } } }>;
}
type Document = { paths: Record<string, Record<string, Operation>> } & Record<string, unknown>;

const apiDoc = readFileSync(join(repoRoot, 'docs/api.md'), 'utf8');
const document = openApiDocument('https://app.example.com') as Document;

/** `| `fn` | `METHOD /api/path`, `METHOD /api/path` | … |` rows of the route table in docs/api.md. */
function documentedRoutes(): [string, string][] {
  const routes: [string, string][] = [];
  for (const line of apiDoc.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (!/^`\w+`$/.test(cells[1] ?? '')) continue;
    for (const match of (cells[2] ?? '').matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/api\/[^`]+)`/g))
      routes.push([match[1]!.toLowerCase(), match[2]!]);
  }
  return routes;
}

/** `| 400 | `CODE` | where | … |` rows of the error code table in docs/api.md. */
function documentedErrors(): { status: string; code: string; where: string }[] {
  const section = apiDoc.slice(apiDoc.indexOf('## Error codes'));
  const rows = [];
  for (const line of section.split('\n')) {
    const match = /^\| (\d{3}) \| `([A-Z_]+)` \| (\w+) \|/.exec(line);
    if (match) rows.push({ status: match[1]!, code: match[2]!, where: match[3]! });
  }
  return rows;
}

const OPERATIONS_OF: Record<string, string[]> = {
  starter: ['startJob'],
  jobs: ['submitJob', 'listJobs', 'getJob', 'getJobStatus', 'cancelJob'],
  callback: ['jobCallback'],
  uploads: ['createUpload'],
  web: ['webMe', 'webSubmitJob', 'webListJobs', 'webGetJob', 'webCancelJob', 'webCreateUpload'],
};

function operations(): Operation[] {
  return Object.values(document.paths).flatMap((item) => Object.values(item));
}

/** The `error.code` values an operation's response for one status can carry. */
function codesOf(operation: Operation, status: string): string[] {
  const schema = operation.responses[status]?.content?.['application/json'].schema;
  const narrowed = schema?.allOf?.[1] as
    { properties: { error: { properties: { code: { enum: string[] } } } } } | undefined;
  return narrowed?.properties.error.properties.code.enum ?? [];
}

describe('GET /api/openapi.json', () => {
  it('is a structurally valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    // The check has teeth: a document missing a required part is refused.
    const { info: _info, ...withoutInfo } = structuredClone(document);
    expect((await new Validator().validate(withoutInfo)).valid).toBe(false);
  });

  it('has every route docs/api.md lists, with its method', () => {
    const routes = documentedRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(7);
    for (const [method, path] of routes) {
      expect(document.paths[path]?.[method], `${method.toUpperCase()} ${path}`).toBeDefined();
    }
  });

  it('lists every error code of docs/api.md under its status on the routes the table names', () => {
    const rows = documentedErrors();
    expect(rows.length).toBeGreaterThan(30);
    const byId = new Map(operations().map((op) => [op.operationId, op]));
    for (const row of rows) {
      const groups = row.where === 'both' ? ['starter', 'callback'] : [row.where];
      for (const group of groups) {
        const ids = OPERATIONS_OF[group];
        expect(ids, `unknown "where" ${row.where}`).toBeDefined();
        const found = ids!.some((id) => codesOf(byId.get(id)!, row.status).includes(row.code));
        expect(found, `${row.status} ${row.code} on ${group}`).toBe(true);
      }
    }
  });

  it("documents the pages' API as the key routes it mirrors, behind a session, the CSRF header on writes", () => {
    const paths = document.paths as Record<string, Record<string, Operation & Record<string, unknown>>>;
    const submit = paths['/api/web/jobs']!['post']!;
    const list = paths['/api/web/jobs']!['get']!;
    expect(submit.security).toEqual([{ appServiceSession: [] }]);
    expect(submit.requestBody).toEqual(paths['/api/jobs']!['post']!.requestBody);
    const headers = (operation: Record<string, unknown>) =>
      ((operation['parameters'] as { name: string; in: string }[] | undefined) ?? [])
        .filter((p) => p.in === 'header')
        .map((p) => p.name);
    expect(headers(submit)).toContain('X-Requested-With');
    expect(headers(list)).not.toContain('X-Requested-With');
    expect(codesOf(submit, '403')).toEqual(['CSRF_REJECTED']);
    expect(codesOf(list, '403')).toEqual([]);
    expect(codesOf(list, '401')).toContain('SIGN_IN_REQUIRED');
    expect(codesOf(paths['/api/web/jobs/{id}']!['get']!, '404')).toEqual(['JOB_NOT_FOUND']);
  });

  it('publishes the request and view schemas generated from the zod schemas that validate them', () => {
    const schemas = (
      document.components as { schemas: Record<string, { properties: object; required?: string[] }> }
    ).schemas;
    const requestShape = jobRequestSchema({ allowPrivateSources: false }).shape;
    expect(Object.keys(schemas.JobRequest!.properties).sort()).toEqual(Object.keys(requestShape).sort());
    expect(schemas.JobRequest!.required).toEqual(['url']);
    expect(Object.keys(schemas.JobView!.properties).sort()).toEqual(Object.keys(jobViewSchema.shape).sort());
    // The webhook event refers to the same job view, not a copy.
    expect(JSON.stringify(schemas.JobEvent)).toContain('#/components/schemas/JobView');
  });

  it('is served to GET with the caller’s origin as its server, and refuses other methods', async () => {
    const get = await answerOf(
      await serveOpenApi(
        httpRequest({ url: 'http://127.0.0.1:7071/api/openapi.json', method: 'GET' }),
        new InvocationContext(),
      ),
    );
    expect(get.status).toBe(200);
    expect(get.body).toMatchObject({ openapi: '3.1.1', servers: [{ url: 'http://127.0.0.1:7071' }] });
    const post = await answerOf(
      await serveOpenApi(
        httpRequest({ url: 'http://127.0.0.1:7071/api/openapi.json', method: 'POST' }),
        new InvocationContext(),
      ),
    );
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
  });
});
