import http from 'node:http';

/**
 * A light JSON client for benchmarks: plain node:http over kept-alive connections. The load it puts
 * on a shared 2-core machine is far below fetch's, so what a benchmark measures is the server.
 */
export function lightJsonClient(): {
  request(
    url: string,
    init?: { method?: string; body?: unknown },
  ): Promise<{ status: number; body: unknown }>;
  close(): void;
} {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const request = (url: string, init: { method?: string; body?: unknown } = {}) => {
    const body = init.body === undefined ? undefined : JSON.stringify(init.body);
    const headers: Record<string, string | number> = body
      ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
      : {};
    return new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const outgoing = http.request(
        url,
        { method: init.method ?? 'GET', agent, headers, timeout: 15_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              // not JSON; keep the text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error(`${url}: no answer within 15 s`)));
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  };
  return { request, close: () => agent.destroy() };
}
