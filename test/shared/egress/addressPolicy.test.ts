import { describe, expect, it } from 'vitest';
import {
  checkEgressAddress,
  classifyAddress,
  classifyHostName,
  parseAllowedPrivateSources,
} from '../../../src/shared/egress/addressPolicy.js';

const PUBLIC_ONLY = { allowPrivateSources: false };
const EVERYTHING_ALLOWED = { allowPrivateSources: true };

describe('classifyAddress', () => {
  it.each([
    '169.254.169.254', // every cloud's metadata endpoint
    '169.254.170.2', // ECS task credentials
    '169.254.0.1',
    '168.63.129.16', // Azure wireserver
    '0.0.0.0',
    '0.255.255.255',
    '::',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '::ffff:168.63.129.16',
    '::ffff:0.0.0.0',
    '::169.254.169.254',
    '64:ff9b::a9fe:a9fe',
    '2002:a9fe:a9fe::1',
    'fe80::1',
    'fe80::1%eth0',
    'febf:ffff::1',
    'fd00:ec2::254',
    'not-an-address',
    '1:2:3:4:5:6:7:8:9',
  ])('%s is forbidden', (address) => {
    expect(classifyAddress(address)).toBe('forbidden');
  });

  it.each([
    '127.0.0.1',
    '10.0.0.1',
    '100.100.100.200',
    '172.16.0.1',
    '192.168.1.1',
    '::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    'fc00::1',
    'fd12:3456::1',
    'ff02::1',
    '2001:db8::1',
    '2001::1',
  ])('%s is private', (address) => {
    expect(classifyAddress(address)).toBe('private');
  });

  it.each(['93.184.216.34', '168.63.129.17', '169.255.0.1', '2606:4700::1111', '::ffff:93.184.216.34'])(
    '%s is public',
    (address) => {
      expect(classifyAddress(address)).toBe('public');
    },
  );
});

describe('classifyHostName', () => {
  it('refuses metadata names outright', () => {
    for (const name of ['metadata', 'metadata.google.internal', 'Metadata.Google.Internal.', 'instance-data'])
      expect(classifyHostName(name)).toBe('forbidden');
  });

  it('treats localhost, private suffixes and single-label names as private', () => {
    for (const name of ['localhost', 'a.localhost', 'db.internal', 'nas.local', 'intranet', 'media'])
      expect(classifyHostName(name)).toBe('private');
  });

  it('leaves a dotted public-looking name to be judged once resolved', () => {
    expect(classifyHostName('127.0.0.1.nip.io')).toBe('public');
  });
});

describe('checkEgressAddress', () => {
  it('refuses a forbidden address whatever the settings and the allow-list say', () => {
    const policy = {
      allowPrivateSources: true,
      allowedPrivateSources: ['169.254.169.254:80', 'imds.example:80'],
    };
    expect(checkEgressAddress('169.254.169.254', '169.254.169.254', 80, policy)).toEqual({
      allowed: false,
      reason: 'FORBIDDEN_ADDRESS',
    });
    expect(checkEgressAddress('imds.example', '169.254.169.254', 80, policy)).toEqual({
      allowed: false,
      reason: 'FORBIDDEN_ADDRESS',
    });
    expect(checkEgressAddress('wire.example', '::ffff:168.63.129.16', 80, policy).allowed).toBe(false);
  });

  it('refuses a public name that resolved to a private address unless private sources are allowed', () => {
    expect(checkEgressAddress('127.0.0.1.nip.io', '127.0.0.1', 80, PUBLIC_ONLY)).toEqual({
      allowed: false,
      reason: 'PRIVATE_ADDRESS',
    });
    expect(checkEgressAddress('127.0.0.1.nip.io', '127.0.0.1', 80, EVERYTHING_ALLOWED)).toEqual({
      allowed: true,
    });
  });

  it('allows a private address only on the exact allow-listed host:port', () => {
    const policy = {
      allowPrivateSources: false,
      allowedPrivateSources: ['127.0.0.1:8081', 'nas.local:8443'],
    };
    expect(checkEgressAddress('127.0.0.1', '127.0.0.1', 8081, policy).allowed).toBe(true);
    expect(checkEgressAddress('localhost', '127.0.0.1', 8081, policy).allowed).toBe(true);
    expect(checkEgressAddress('127.0.0.1', '127.0.0.1', 8082, policy).allowed).toBe(false);
    expect(checkEgressAddress('nas.local', '192.168.1.5', 8443, policy).allowed).toBe(true);
    expect(checkEgressAddress('nas.local', '192.168.1.5', 443, policy).allowed).toBe(false);
  });

  it('allows public addresses', () => {
    expect(checkEgressAddress('example.com', '93.184.216.34', 443, PUBLIC_ONLY)).toEqual({ allowed: true });
  });
});

describe('parseAllowedPrivateSources', () => {
  it('reads comma- or space-separated host:port entries, normalised', () => {
    expect(parseAllowedPrivateSources(' 127.0.0.1:8081, Media.Local:443 [FD00::5]:8443 ')).toEqual([
      '127.0.0.1:8081',
      'media.local:443',
      '[fd00::5]:8443',
    ]);
    expect(parseAllowedPrivateSources('')).toEqual([]);
  });

  it.each(['127.0.0.1', 'host:0', 'host:70000', 'fd00::5:8443', 'http://host:80'])('refuses %s', (entry) => {
    expect(() => parseAllowedPrivateSources(entry)).toThrow(/host:port/);
  });
});
