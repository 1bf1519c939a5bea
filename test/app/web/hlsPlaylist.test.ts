import { describe, expect, it } from 'vitest';
import { PLAYLIST_PATH, rewritePlaylist } from '../../../src/app/web/hlsPlaylist.js';

const links = {
  playlist: (path: string) => `/api/web/jobs/j1/hls/${path}`,
  file: async (path: string) => `https://media.example/media/p/hls/${path}?sig=${path.length}`,
};

describe('HLS playlists for the player', () => {
  it('points a master at the app for each variant and rendition playlist', async () => {
    const master = [
      '#EXTM3U',
      '#EXT-X-VERSION:6',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="audio",DEFAULT=YES,URI="audio/index.m3u8"',
      '#EXT-X-STREAM-INF:BANDWIDTH=691000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",AUDIO="audio"',
      '360p/index.m3u8',
      '',
    ].join('\n');
    expect(await rewritePlaylist(master, 'master.m3u8', links)).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:6',
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="audio",DEFAULT=YES,URI="/api/web/jobs/j1/hls/audio/index.m3u8"',
        '#EXT-X-STREAM-INF:BANDWIDTH=691000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",AUDIO="audio"',
        '/api/web/jobs/j1/hls/360p/index.m3u8',
        '',
      ].join('\n'),
    );
  });

  it('gives each segment and init segment of a media playlist its own signed link', async () => {
    const media =
      '#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:6.0,\nseg_00000.ts\n#EXTINF:2.5,\nseg_00001.ts\n#EXT-X-ENDLIST';
    expect(await rewritePlaylist(media, '360p/index.m3u8', links)).toBe(
      '#EXTM3U\n#EXT-X-MAP:URI="https://media.example/media/p/hls/360p/init.mp4?sig=13"\n#EXTINF:6.0,\n' +
        'https://media.example/media/p/hls/360p/seg_00000.ts?sig=17\n#EXTINF:2.5,\n' +
        'https://media.example/media/p/hls/360p/seg_00001.ts?sig=17\n#EXT-X-ENDLIST',
    );
  });

  it('signs nothing outside the ladder folder: parent paths, absolute paths and other hosts are dropped', async () => {
    const hostile =
      '#EXTM3U\n#EXTINF:6,\n../../other-job/secret.mp4\n#EXTINF:6,\n/etc/passwd\n#EXTINF:6,\nhttps://evil.example/x.ts\n#EXT-X-MAP:URI="../x.mp4"';
    const signed: string[] = [];
    const out = await rewritePlaylist(hostile, 'master.m3u8', {
      ...links,
      file: async (path) => {
        signed.push(path);
        return path;
      },
    });
    expect(signed).toEqual([]);
    expect(out).toBe('#EXTM3U\n#EXTINF:6,\n#EXTINF:6,\n#EXTINF:6,');
  });

  it('serves only playlist paths under the ladder', () => {
    for (const ok of ['master.m3u8', '720p/index.m3u8', 'audio/index.m3u8'])
      expect(PLAYLIST_PATH.test(ok)).toBe(true);
    for (const bad of [
      '../master.m3u8',
      '720p/../../x.m3u8',
      '/master.m3u8',
      'seg_00000.ts',
      '720p//index.m3u8',
      './a.m3u8',
    ])
      expect(PLAYLIST_PATH.test(bad)).toBe(false);
  });
});
