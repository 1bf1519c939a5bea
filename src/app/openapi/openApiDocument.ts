import { z } from 'zod';
import {
  jobProgressSchema,
  jobRequestSchema,
  jobResultSchema,
  MAX_EVENT_BYTES,
  MAX_LISTING_EVENT_BYTES,
  MAX_REQUEST_BYTES,
  playlistListingSchema,
} from '../../shared/contracts.js';
import {
  apiErrorSchema,
  callbackAcceptedSchema,
  JOB_STATUSES,
  jobEventSchema,
  jobListSchema,
  jobStatusBodySchema,
  jobViewSchema,
  playlistSummarySchema,
  startAnswerSchema,
} from '../../shared/jobView.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../jobs/parseJobListQuery.js';
import { uploadRequestSchema } from '../uploads/uploadRequest.js';
import { uploadAnswerSchema } from '../../shared/uploadAnswer.js';
import { ROUTE_ERRORS, type RouteErrors } from './routeErrors.js';

type JsonObject = Record<string, unknown>;

let components: Record<string, JsonObject> | undefined;

/** The schemas every side validates with, published under components.schemas by these names. */
function componentSchemas(): Record<string, JsonObject> {
  components ??= generateComponentSchemas();
  return components;
}

function generateComponentSchemas(): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  // The URL policy lives in refinements, which JSON Schema cannot say; the shape is the same either way.
  registry.add(jobRequestSchema({ allowPrivateSources: false }), { id: 'JobRequest' });
  registry.add(startAnswerSchema, { id: 'StartAnswer' });
  registry.add(jobStatusBodySchema, { id: 'JobStatusBody' });
  registry.add(jobViewSchema, { id: 'JobView' });
  registry.add(jobListSchema, { id: 'JobList' });
  registry.add(jobEventSchema, { id: 'JobEvent' });
  registry.add(jobProgressSchema, { id: 'JobProgress' });
  registry.add(jobResultSchema, { id: 'JobResult' });
  registry.add(playlistListingSchema, { id: 'PlaylistListing' });
  registry.add(playlistSummarySchema, { id: 'PlaylistSummary' });
  registry.add(callbackAcceptedSchema, { id: 'CallbackAccepted' });
  registry.add(apiErrorSchema, { id: 'ApiError' });
  registry.add(uploadRequestSchema({ allowPrivateSources: false }), { id: 'UploadRequest' });
  registry.add(uploadAnswerSchema, { id: 'UploadAnswer' });
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => {
      const { $schema: _dialect, $id: _id, ...rest } = schema as JsonObject;
      return [id, rest];
    }),
  );
}

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (schema: JsonObject) => ({ 'application/json': { schema } });

/** One response per error status, its schema narrowing `error.code` to the codes that status can carry. */
function errorResponses(errors: RouteErrors): JsonObject {
  return Object.fromEntries(
    Object.entries(errors).map(([status, codes]) => [
      status,
      {
        description: `Error: ${codes.join(', ')}.`,
        content: json({
          allOf: [
            ref('ApiError'),
            {
              type: 'object',
              properties: { error: { type: 'object', properties: { code: { enum: [...codes] } } } },
            },
          ],
        }),
      },
    ]),
  );
}

const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The job id (the orchestration instance id).',
  schema: { type: 'string', maxLength: 100 },
};
const pollHeaders = {
  Location: { description: 'Where to look next.', schema: { type: 'string', format: 'uri' } },
  'Retry-After': { description: 'Seconds to wait before polling.', schema: { type: 'integer' } },
};
const functionKey = [{ functionKey: [] }, { functionKeyQuery: [] }];

/** A JSON answer whose body is the component schema `schema`; `poll` adds the headers of an answer to poll. */
function answer(description: string, schema: string, poll = false): JsonObject {
  return { description, ...(poll ? { headers: pollHeaders } : {}), content: json(ref(schema)) };
}

/** An operation on one job, named by the `id` path parameter and called with a function key. */
function jobOperation(operationId: string, summary: string, responses: JsonObject): JsonObject {
  return { operationId, summary, security: functionKey, parameters: [idParameter], responses };
}

/** The key routes the pages' API mirrors under /api/web (docs/api.md, src/app/functions/webApi.ts). */
const PAGE_ROUTES: Record<string, string> = {
  '/api/jobs': '/api/web/jobs',
  '/api/jobs/{id}': '/api/web/jobs/{id}',
  '/api/jobs/{id}/cancel': '/api/web/jobs/{id}/cancel',
  '/api/uploads': '/api/web/uploads',
};

const csrfHeader = {
  name: 'X-Requested-With',
  in: 'header',
  required: true,
  schema: { const: 'mediaferry' },
  description: 'Proof that the page made the call (CSRF defence).',
};

/** One mirrored operation: a signed-in session instead of a key, plus the pages' own refusals. */
function pageOperation(method: string, operation: JsonObject): JsonObject {
  const write = method !== 'get';
  const id = String(operation['operationId']);
  return {
    ...operation,
    operationId: `web${id[0]!.toUpperCase()}${id.slice(1)}`,
    security: [{ appServiceSession: [] }],
    parameters: [
      ...((operation['parameters'] as unknown[] | undefined) ?? []),
      ...(write ? [csrfHeader] : []),
    ],
    responses: {
      ...(operation['responses'] as JsonObject),
      ...errorResponses(write ? ROUTE_ERRORS.webWrite : ROUTE_ERRORS.webRead),
    },
  };
}

/** The paths plus the pages' API: each mirrored route, and who is signed in. */
function withPageRoutes(paths: Record<string, Record<string, JsonObject>>): JsonObject {
  const pages: Record<string, Record<string, JsonObject>> = {
    '/api/web/me': {
      get: {
        operationId: 'webMe',
        summary: 'Who is signed in.',
        security: [{ appServiceSession: [] }],
        responses: {
          '200': {
            description: 'The signed-in user.',
            content: json({
              type: 'object',
              required: ['name', 'roles', 'admin'],
              properties: {
                name: { type: 'string' },
                roles: { type: 'array', items: { type: 'string' } },
                admin: { type: 'boolean' },
              },
            }),
          },
          ...errorResponses(ROUTE_ERRORS.webRead),
        },
      },
    },
  };
  for (const [keyPath, pagePath] of Object.entries(PAGE_ROUTES))
    pages[pagePath] = Object.fromEntries(
      Object.entries(paths[keyPath] ?? {}).map(([method, op]) => [method, pageOperation(method, op)]),
    );
  return { ...paths, ...pages };
}

/**
 * The OpenAPI 3.1 document of the app's HTTP API, generated from the zod schemas that validate the
 * requests and results; `serverUrl` is the origin the document was asked for.
 */
export function openApiDocument(serverUrl: string): JsonObject {
  return {
    openapi: '3.1.1',
    info: {
      title: 'mediaferry',
      version: '1',
      description:
        'Media jobs (yt-dlp + ffmpeg) in short-lived Azure Container Instances. See docs/api.md for the prose.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: serverUrl }],
    paths: withPageRoutes({
      '/api/orchestrator_httpstart': {
        post: {
          operationId: 'startJob',
          summary: 'Start a job from a bare URL or a JobRequest (the original sample’s starter).',
          security: functionKey,
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              schema: { type: 'string', minLength: 1, maxLength: 200 },
            },
          ],
          requestBody: {
            required: true,
            description: `At most ${MAX_REQUEST_BYTES} bytes.`,
            content: {
              ...json(ref('JobRequest')),
              'text/plain': { schema: { type: 'string', description: 'The bare source URL.' } },
              'application/x-www-form-urlencoded': {
                schema: { type: 'object', properties: { url: { type: 'string' } } },
              },
            },
          },
          responses: {
            '202': answer('Started (or the same idempotent request again).', 'StartAnswer', true),
            ...errorResponses(ROUTE_ERRORS.starter),
          },
        },
      },
      '/api/jobs': {
        post: {
          operationId: 'submitJob',
          summary: 'Submit a job; answers with its job view.',
          security: functionKey,
          requestBody: { required: true, content: json(ref('JobRequest')) },
          responses: {
            '202': answer('Started.', 'JobView', true),
            ...errorResponses(ROUTE_ERRORS.submitJob),
          },
        },
        get: {
          operationId: 'listJobs',
          summary: 'One page of jobs, newest first within the page.',
          security: functionKey,
          parameters: [
            {
              name: 'status',
              in: 'query',
              description: `Comma-separated job statuses: ${JOB_STATUSES.join(', ')}.`,
              schema: { type: 'string' },
            },
            {
              name: 'createdFrom',
              in: 'query',
              schema: { type: 'string', description: 'ISO 8601 date or date-time.' },
            },
            {
              name: 'createdTo',
              in: 'query',
              schema: { type: 'string', description: 'ISO 8601 date or date-time.' },
            },
            {
              name: 'top',
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
            },
            { name: 'continuationToken', in: 'query', schema: { type: 'string' } },
          ],
          responses: {
            '200': answer('A page of jobs.', 'JobList'),
            ...errorResponses(ROUTE_ERRORS.listJobs),
          },
        },
      },
      '/api/jobs/{id}': {
        get: jobOperation('getJob', 'The job view, with fresh read links.', {
          '200': answer('The job view.', 'JobView'),
          ...errorResponses(ROUTE_ERRORS.getJob),
        }),
      },
      '/api/jobs/{id}/status': {
        get: jobOperation('getJobStatus', 'The Durable check-status body, served by the app.', {
          '200': answer('The job is final.', 'JobStatusBody'),
          '202': answer('The job is still running.', 'JobStatusBody', true),
          ...errorResponses(ROUTE_ERRORS.jobStatus),
        }),
      },
      '/api/jobs/{id}/cancel': {
        post: jobOperation('cancelJob', 'Cancel a running job; it ends Canceled.', {
          '202': answer('Cancel requested; the job view as it was.', 'JobView'),
          ...errorResponses(ROUTE_ERRORS.cancelJob),
        }),
      },
      '/api/jobs/{instanceId}/events/{eventName}': {
        post: {
          operationId: 'jobCallback',
          summary:
            "The job's container reports progress, its result, or a playlist's listing (not for users).",
          security: [{ callbackToken: [] }],
          parameters: [
            { name: 'instanceId', in: 'path', required: true, schema: { type: 'string' } },
            {
              name: 'eventName',
              in: 'path',
              required: true,
              schema: { type: 'string', enum: ['JobProgress', 'JobFinished', 'PlaylistListed'] },
            },
          ],
          requestBody: {
            required: true,
            description: `JobProgress, JobResult or PlaylistListing, per eventName; at most ${MAX_EVENT_BYTES} bytes (a PlaylistListing at most ${MAX_LISTING_EVENT_BYTES}).`,
            content: json({ oneOf: [ref('JobProgress'), ref('JobResult'), ref('PlaylistListing')] }),
          },
          responses: {
            '202': answer('The event was raised on the job.', 'CallbackAccepted'),
            ...errorResponses(ROUTE_ERRORS.callback),
          },
        },
      },
      '/api/uploads': {
        post: {
          operationId: 'createUpload',
          summary:
            'Register a file to upload and the job to run on it; answers with a create/write-only link for that one blob in incoming.',
          security: functionKey,
          requestBody: { required: true, content: json(ref('UploadRequest')) },
          responses: {
            '201': answer('Upload link issued.', 'UploadAnswer'),
            ...errorResponses(ROUTE_ERRORS.createUpload),
          },
        },
      },
      '/api/openapi.json': {
        get: {
          operationId: 'getOpenApiDocument',
          summary: 'This document.',
          security: [],
          responses: {
            '200': { description: 'The OpenAPI 3.1 document.', content: json({ type: 'object' }) },
            ...errorResponses(ROUTE_ERRORS.openApi),
          },
        },
      },
    }),
    webhooks: {
      jobEvent: {
        post: {
          operationId: 'jobEvent',
          summary:
            "A job reached a final state; POSTed to the request's notifyUrl, signed per Standard Webhooks.",
          parameters: ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => ({
            name,
            in: 'header',
            required: true,
            schema: { type: 'string' },
          })),
          requestBody: { required: true, content: json(ref('JobEvent')) },
          responses: {
            '200': { description: 'Any 2xx marks the event delivered; anything else is retried.' },
          },
        },
      },
    },
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        functionKey: {
          type: 'apiKey',
          in: 'header',
          name: 'x-functions-key',
          description: 'Function key (Azure only).',
        },
        functionKeyQuery: {
          type: 'apiKey',
          in: 'query',
          name: 'code',
          description: 'Function key (Azure only).',
        },
        callbackToken: { type: 'http', scheme: 'bearer', description: "The job's own callback token." },
        appServiceSession: {
          type: 'apiKey',
          in: 'cookie',
          name: 'AppServiceAuthSession',
          description: 'The App Service Authentication session of a signed-in person (the web library).',
        },
      },
    },
  };
}
