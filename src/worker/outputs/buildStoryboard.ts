import type { StoryboardPlan } from './planOutputs.js';

function vttTime(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}

/**
 * The WebVTT track players read for scrubbing previews: one cue per tile, each pointing at the
 * tile's rectangle in the sprite (`storyboard.jpg#xywh=x,y,w,h`), together covering the whole media.
 */
export function buildStoryboardTrack(
  plan: StoryboardPlan,
  durationSeconds: number,
  spriteName: string,
): string {
  const lines = ['WEBVTT', ''];
  for (let i = 0; i < plan.count; i += 1) {
    const start = i * plan.everySeconds;
    const end =
      i === plan.count - 1 ? durationSeconds : Math.min((i + 1) * plan.everySeconds, durationSeconds);
    if (end <= start) break;
    const x = (i % plan.columns) * plan.tileWidth;
    const y = Math.floor(i / plan.columns) * plan.tileHeight;
    lines.push(
      `${vttTime(start)} --> ${vttTime(end)}`,
      `${spriteName}#xywh=${x},${y},${plan.tileWidth},${plan.tileHeight}`,
      '',
    );
  }
  return lines.join('\n');
}
