import { execFile } from 'node:child_process';
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { basename, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import { closeServer, listenOnLoopback } from '../shared/http.js';

const run = promisify(execFile);

/**
 * ffmpeg inputs of a synthetic clip: moving colour bars (`size` at `rate` frames per second) as input 0
 * and a 440 Hz tone as input 1, both `seconds` long.
 */
export function testPatternInputs(seconds: number, size: string, rate: number): string[] {
  return [
    ...['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}:duration=${seconds}`],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`],
  ];
}

/** Makes a short H.264/AAC test clip with ffmpeg (colour bars, a tone) and returns its path. */
export async function makeSampleClip(dir: string, seconds = 5, size = '1280x720'): Promise<string> {
  const file = join(dir, 'sample.mp4');
  await run(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      ...testPatternInputs(seconds, size, 30),
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-pix_fmt',
      'yuv420p',
      '-g',
      '60',
      '-c:a',
      'aac',
      '-shortest',
      file,
    ],
    { timeout: 120_000 },
  );
  return file;
}

export interface StaticServer {
  origin: string;
  urlFor(file: string): string;
  close(): Promise<void>;
}

/** Serves one folder on 127.0.0.1 with HTTP Range support, as a real media host would. */
export async function serveFolder(dir: string): Promise<StaticServer> {
  const server: Server = createServer((req, res) => {
    const name = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(
      /^[/\\]+/,
      '',
    );
    if (name.includes('..') || name === '') return void res.writeHead(404).end();
    const path = join(dir, name);
    let size: number;
    try {
      const st = statSync(path);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch {
      return void res.writeHead(404).end();
    }
    const type = name.endsWith('.mp4') ? 'video/mp4' : 'application/octet-stream';
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
      const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size || start > end)
        return void res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      res.writeHead(206, {
        'content-type': type,
        'accept-ranges': 'bytes',
        'content-range': `bytes ${start}-${end}/${size}`,
        'content-length': end - start + 1,
      });
      if (req.method === 'HEAD') return void res.end();
      return void createReadStream(path, { start, end }).pipe(res);
    }
    res.writeHead(200, { 'content-type': type, 'accept-ranges': 'bytes', 'content-length': size });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(path).pipe(res);
  });
  const origin = `http://127.0.0.1:${await listenOnLoopback(server)}`;
  return {
    origin,
    urlFor: (file) => `${origin}/${encodeURIComponent(basename(file))}`,
    close: () => closeServer(server),
  };
}
