import { describe, expect, it } from 'vitest';
import { parseBlobPathPattern } from '../../../emulator/host/blobTrigger/blobPathPattern.js';

describe('blob trigger path patterns', () => {
  it('captures the whole blob name, slashes included, for container/{name}', () => {
    const pattern = parseBlobPathPattern('incoming/{name}');
    expect(pattern).toMatchObject({ container: 'incoming', prefix: '' });
    expect(pattern.match('a/b/c.mp4')).toEqual({ name: 'a/b/c.mp4' });
  });

  it('matches literal parts and fills several named parts', () => {
    const pattern = parseBlobPathPattern('reports/daily-{day}.{ext}');
    expect(pattern.prefix).toBe('daily-');
    expect(pattern.match('daily-2026-03-01.csv')).toEqual({ day: '2026-03-01', ext: 'csv' });
    expect(pattern.match('weekly-1.csv')).toBeUndefined();
  });

  it('treats doubled braces as literal braces', () => {
    expect(parseBlobPathPattern('logs/{{x}}-{name}').match('{x}-a')).toEqual({ name: 'a' });
  });

  it('matches every blob for a bare container', () => {
    expect(parseBlobPathPattern('drops').match('anything/at/all')).toEqual({});
  });

  it('refuses a path that does not start with a container name', () => {
    expect(() => parseBlobPathPattern('{name}')).toThrow(/container name/);
  });
});
