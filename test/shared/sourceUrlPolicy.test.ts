import { describe, expect, it } from 'vitest';
import { MAX_URL_LENGTH, checkSourceUrl } from '../../src/shared/sourceUrlPolicy.js';

const publicOnly = { allowPrivateSources: false };
const verdict = (url: string) => checkSourceUrl(url, publicOnly);

describe('checkSourceUrl blocks private and metadata targets', () => {
  it.each([
    // IPv4 ranges, first and last address where it matters
    'http://10.0.0.1/',
    'http://10.255.255.255/',
    'http://100.64.0.1/',
    'http://100.127.255.254/',
    'http://127.0.0.1/',
    'http://127.255.255.254/',
    'http://172.16.0.1/',
    'http://172.31.255.255/',
    'http://192.0.0.8/',
    'http://192.168.0.1/',
    'http://198.18.0.1/',
    'http://224.0.0.1/',
    'http://255.255.255.255/',
    // other spellings of 127.0.0.1 that WHATWG parsing normalises
    'http://2130706433/',
    'http://0x7f000001/',
    'http://0x7f.0.0.1/',
    'http://0177.0.0.1/',
    'http://127.1/',
    'http://127.0.0.1./',
    // IPv6
    'http://[::1]/',
    'http://[0:0:0:0:0:0:0:1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://[::ffff:10.1.2.3]/',
    'http://[2002:c0a8:0101::1]/',
    'http://[fc00::1]/',
    'http://[fec0::1]/',
    'http://[ff02::1]/',
    // names
    'http://localhost/',
    'http://LOCALHOST:8080/',
    'http://localhost./',
    'http://app.localhost/',
    'http://anything.internal/',
    'http://printer.local/',
    // single-label names resolve through the search domain, inside the network
    'http://intranet/',
    'https://media:8443/v.mp4',
  ])('blocks %s', (url) => {
    expect(verdict(url)).toMatchObject({ ok: false, problem: 'PRIVATE_ADDRESS' });
  });
});

const FORBIDDEN_SOURCES = [
  'http://0.0.0.0/',
  'http://0.1.2.3/',
  'http://169.254.169.254/metadata/identity/oauth2/token',
  'http://169.254.170.2/v2/credentials',
  'http://168.63.129.16/machine?comp=goalstate',
  'http://[::]/',
  'http://[::ffff:169.254.169.254]/',
  'http://[::ffff:a9fe:a9fe]/',
  'http://[::ffff:168.63.129.16]/',
  'http://[::ffff:0.0.0.0]/',
  'http://[64:ff9b::a9fe:a9fe]/',
  'http://[fd00:ec2::254]/',
  'http://[fe80::1]/',
  'http://[febf::1]/',
  'http://metadata/',
  'http://metadata.google.internal/',
  'http://METADATA.google.internal./',
  'http://instance-data/',
];

describe('checkSourceUrl always refuses link-local, metadata and platform addresses', () => {
  it.each(FORBIDDEN_SOURCES)('refuses %s even with private sources allowed and allow-listed', (url) => {
    const port = Number(new URL(url).port) || 80;
    const host = new URL(url).hostname;
    const everything = { allowPrivateSources: true, allowedPrivateSources: [`${host}:${port}`] };
    expect(checkSourceUrl(url, everything)).toMatchObject({ ok: false, problem: 'SOURCE_ADDRESS_BLOCKED' });
    expect(verdict(url)).toMatchObject({ ok: false, problem: 'SOURCE_ADDRESS_BLOCKED' });
  });
});

describe('checkSourceUrl refuses what yt-dlp would read as more than a URL', () => {
  it('refuses a fragment, which yt-dlp can read as smuggled request headers', () => {
    const smuggled = `https://example.com/v.mp4#__youtubedl_smuggle=${encodeURIComponent('{"http_headers":{"Metadata":"true"}}')}`;
    expect(verdict(smuggled)).toMatchObject({ ok: false, problem: 'URL_HAS_FRAGMENT' });
    expect(checkSourceUrl(smuggled, { allowPrivateSources: true })).toMatchObject({
      problem: 'URL_HAS_FRAGMENT',
    });
    expect(verdict('https://example.com/v.mp4#')).toMatchObject({ problem: 'URL_HAS_FRAGMENT' });
  });

  it('refuses line breaks and tabs, which URL parsing would silently glue together', () => {
    expect(verdict('https://example.com/a\nhttps://example.com/b')).toMatchObject({ problem: 'INVALID_URL' });
    expect(verdict('https://exam\tple.com/')).toMatchObject({ problem: 'INVALID_URL' });
  });
});

describe('checkSourceUrl with an operator allow-list of private host:port entries', () => {
  const onPremises = { allowPrivateSources: false, allowedPrivateSources: ['10.1.2.3:8081', 'media:443'] };

  it('accepts exactly the listed host and port', () => {
    expect(checkSourceUrl('http://10.1.2.3:8081/v.mp4', onPremises).ok).toBe(true);
    expect(checkSourceUrl('https://media/v.mp4', onPremises).ok).toBe(true);
  });

  it('refuses the same host on another port, and other private hosts', () => {
    expect(checkSourceUrl('http://10.1.2.3:8082/v.mp4', onPremises)).toMatchObject({
      problem: 'PRIVATE_ADDRESS',
    });
    expect(checkSourceUrl('http://10.1.2.4:8081/v.mp4', onPremises)).toMatchObject({
      problem: 'PRIVATE_ADDRESS',
    });
    expect(checkSourceUrl('http://media/v.mp4', onPremises)).toMatchObject({ problem: 'PRIVATE_ADDRESS' });
  });
});

describe('checkSourceUrl accepts public targets', () => {
  it.each([
    'https://example.com/video.mp4',
    'http://93.184.216.34/v.mp4',
    'http://172.32.0.1/',
    'http://172.15.255.255/',
    'http://100.128.0.1/',
    'http://169.255.0.1/',
    'http://11.0.0.1/',
    'http://[2606:4700::1111]/',
    'http://[::ffff:93.184.216.34]/',
    'http://[2002:5db8:d822::1]/',
    'https://localhost.example.com/',
    'https://www.youtube.com/watch?v=dQw4w9WgXcQ',
  ])('accepts %s', (url) => {
    expect(verdict(url)).toMatchObject({ ok: true });
  });

  it('returns the normalised URL', () => {
    expect(verdict('HTTPS://Example.COM/a b')).toEqual({ ok: true, url: 'https://example.com/a%20b' });
  });
});

describe('checkSourceUrl rejects what is not an http(s) URL', () => {
  it.each([
    ['file:///etc/passwd', 'UNSUPPORTED_SCHEME'],
    ['ftp://example.com/', 'UNSUPPORTED_SCHEME'],
    ['javascript:alert(1)', 'UNSUPPORTED_SCHEME'],
    ['gopher://example.com/', 'UNSUPPORTED_SCHEME'],
    ['-o/tmp/x', 'INVALID_URL'],
    ['--exec rm', 'INVALID_URL'],
    ['example.com/video', 'INVALID_URL'],
    ['', 'INVALID_URL'],
    ['http://', 'INVALID_URL'],
    ['https://user:pass@example.com/', 'URL_HAS_CREDENTIALS'],
    ['https://user@example.com/', 'URL_HAS_CREDENTIALS'],
    [`https://example.com/${'a'.repeat(MAX_URL_LENGTH)}`, 'URL_TOO_LONG'],
  ])('rejects %s as %s', (url, problem) => {
    const result = verdict(url);
    expect(result).toMatchObject({ ok: false, problem });
    expect(result.message).toBeTruthy();
  });
});

describe('checkSourceUrl with private sources allowed (local development)', () => {
  it('accepts loopback and private addresses but still refuses other schemes and credentials', () => {
    const allow = { allowPrivateSources: true };
    expect(checkSourceUrl('http://127.0.0.1:8080/sample.mp4', allow).ok).toBe(true);
    expect(checkSourceUrl('http://[::1]/v', allow).ok).toBe(true);
    expect(checkSourceUrl('http://localhost/v', allow).ok).toBe(true);
    expect(checkSourceUrl('file:///etc/passwd', allow).problem).toBe('UNSUPPORTED_SCHEME');
    expect(checkSourceUrl('http://u:p@127.0.0.1/', allow).problem).toBe('URL_HAS_CREDENTIALS');
    expect(checkSourceUrl('http://169.254.169.254/', allow).problem).toBe('SOURCE_ADDRESS_BLOCKED');
  });
});
