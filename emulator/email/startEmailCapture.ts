import { mkdirSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { z } from 'zod';
import type { LocalCertificate } from '../certs/localCertificate.js';
import type { LocalTokenIssuer } from '../identity/localTokenIssuer.js';
import { EmulatorError } from '../shared/EmulatorError.js';
import { closeServer, listenOnLoopback, readBody, sendJson } from '../shared/http.js';

/** The audience an Azure Communication Services data-plane token is issued for. */
export const COMMUNICATION_AUDIENCE = 'https://communication.azure.com';
/** Email API versions this capture answers (the SDK's default first). */
export const EMAIL_API_VERSIONS = ['2025-09-01', '2023-03-31'] as const;
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const addressSchema = z.object({ address: z.string().min(3), displayName: z.string().optional() });
/** The EmailMessage of the send API (attachments and headers accepted, not kept). */
const emailMessageSchema = z.object({
  senderAddress: z.string().min(3),
  content: z.object({
    subject: z.string().min(1),
    plainText: z.string().optional(),
    html: z.string().optional(),
  }),
  recipients: z.object({
    to: z.array(addressSchema).optional(),
    cc: z.array(addressSchema).optional(),
    bcc: z.array(addressSchema).optional(),
  }),
  replyTo: z.array(addressSchema).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  attachments: z.array(z.unknown()).optional(),
  userEngagementTrackingDisabled: z.boolean().optional(),
});

/** One mail the capture accepted, as a test or a developer reads it. */
export interface CapturedEmail {
  operationId: string;
  receivedAt: string;
  /** The app identity's client id, from the bearer token. */
  clientId: string;
  senderAddress: string;
  to: string[];
  subject: string;
  plainText: string | undefined;
  html: string | undefined;
}

export interface EmailCaptureOptions {
  certificate: LocalCertificate;
  tokenIssuer: LocalTokenIssuer;
  /** Client ids allowed to send (as the *Communication and Email Service Owner* role grants); others get 403. */
  authorizedClientIds: string[];
  /** When set, each mail is also written to `<dir>/<operationId>.json`. */
  dir?: string;
  port?: number;
}

export interface RunningEmailCapture {
  /** The value for ACS_ENDPOINT, e.g. https://127.0.0.1:54321. */
  endpoint: string;
  /** Every mail accepted so far, oldest first. */
  mails(): CapturedEmail[];
  stop(): Promise<void>;
}

class EmailApiError extends EmulatorError {}

/**
 * A local stand-in for the Azure Communication Services Email data plane, speaking its REST shape:
 * `POST /emails:send?api-version=…` (bearer token for https://communication.azure.com, optional
 * `Operation-Id` uuid) answers 202 with `operation-location`; `GET /emails/operations/{id}` reports
 * `Succeeded`. A repeated Operation-Id is the same operation, never a second mail. Mails are kept
 * for tests and, with `dir`, written as JSON files.
 */
export async function startEmailCapture(options: EmailCaptureOptions): Promise<RunningEmailCapture> {
  const captured = new Map<string, CapturedEmail>();
  if (options.dir) mkdirSync(options.dir, { recursive: true });
  let endpoint = '';

  function authorize(req: IncomingMessage): string {
    const [scheme, token] = (req.headers.authorization ?? '').split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token)
      throw new EmailApiError(401, 'Unauthorized', 'Authorization header with a bearer token is required.');
    let clientId: string;
    try {
      clientId = options.tokenIssuer.verify(token, COMMUNICATION_AUDIENCE).appid;
    } catch (error) {
      throw new EmailApiError(401, 'Unauthorized', (error as Error).message);
    }
    if (!options.authorizedClientIds.includes(clientId))
      throw new EmailApiError(
        403,
        'Forbidden',
        `The client '${clientId}' may not send mail from this resource.`,
      );
    return clientId;
  }

  function operationUrl(id: string, apiVersion: string): string {
    return `${endpoint}/emails/operations/${id}?api-version=${apiVersion}`;
  }

  async function send(req: IncomingMessage, res: ServerResponse, apiVersion: string): Promise<void> {
    const clientId = authorize(req);
    const body = await readBody(req, MAX_BODY_BYTES);
    const headerId = req.headers['operation-id'];
    const operationId = typeof headerId === 'string' && headerId ? headerId : crypto.randomUUID();
    if (!UUID.test(operationId))
      throw new EmailApiError(400, 'InvalidRequest', 'The Operation-Id header must be a uuid.');
    let parsed: z.infer<typeof emailMessageSchema>;
    try {
      parsed = emailMessageSchema.parse(JSON.parse(body.toString('utf8')));
    } catch (error) {
      throw new EmailApiError(400, 'BadRequest', `The email message is invalid: ${(error as Error).message}`);
    }
    const to = [
      ...(parsed.recipients.to ?? []),
      ...(parsed.recipients.cc ?? []),
      ...(parsed.recipients.bcc ?? []),
    ];
    if (to.length === 0) throw new EmailApiError(400, 'BadRequest', 'At least one recipient is required.');
    if (!parsed.content.plainText && !parsed.content.html)
      throw new EmailApiError(400, 'BadRequest', 'Either plainText or html content is required.');
    const id = operationId.toLowerCase();
    if (!captured.has(id)) {
      const mail: CapturedEmail = {
        operationId: id,
        receivedAt: new Date().toISOString(),
        clientId,
        senderAddress: parsed.senderAddress,
        to: to.map((r) => r.address),
        subject: parsed.content.subject,
        plainText: parsed.content.plainText,
        html: parsed.content.html,
      };
      captured.set(id, mail);
      if (options.dir) writeFileSync(join(options.dir, `${id}.json`), `${JSON.stringify(mail, null, 2)}\n`);
    }
    sendJson(
      res,
      202,
      { id, status: 'Running' },
      { 'operation-location': operationUrl(id, apiVersion), 'retry-after': '1' },
    );
  }

  function status(req: IncomingMessage, res: ServerResponse, id: string): void {
    authorize(req);
    if (!captured.has(id.toLowerCase()))
      throw new EmailApiError(404, 'NotFound', `No email operation ${id}.`);
    sendJson(res, 200, { id: id.toLowerCase(), status: 'Succeeded' });
  }

  const server = createServer(
    { cert: options.certificate.cert, key: options.certificate.key },
    (req, res) => {
      const url = new URL(req.url ?? '/', 'https://localhost');
      const apiVersion = url.searchParams.get('api-version') ?? '';
      const handle = async () => {
        if (!(EMAIL_API_VERSIONS as readonly string[]).includes(apiVersion))
          throw new EmailApiError(
            400,
            'UnsupportedApiVersion',
            `api-version must be one of ${EMAIL_API_VERSIONS.join(', ')}.`,
          );
        if (url.pathname === '/emails:send' && req.method === 'POST') return send(req, res, apiVersion);
        const operation = /^\/emails\/operations\/([^/]+)$/.exec(url.pathname);
        if (operation && req.method === 'GET') return status(req, res, decodeURIComponent(operation[1]!));
        throw new EmailApiError(
          404,
          'NotFound',
          `${req.method} ${url.pathname} is not part of the Email API.`,
        );
      };
      handle().catch((error: unknown) => {
        const known = error instanceof EmulatorError;
        const statusCode = known ? error.status : 500;
        const code = known ? error.code : 'InternalServerError';
        sendJson(
          res,
          statusCode,
          { error: { code, message: (error as Error).message } },
          { 'x-ms-error-code': code },
        );
      });
    },
  );
  const port = await listenOnLoopback(server, options.port);
  endpoint = `https://127.0.0.1:${port}`;
  return {
    endpoint,
    mails: () => [...captured.values()],
    stop: () => closeServer(server),
  };
}
