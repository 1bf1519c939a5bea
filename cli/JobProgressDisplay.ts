import cliProgress from 'cli-progress';
import type { JobView } from '../src/shared/jobView.js';

/** What one poll shows: the view, and the speed when the app reports one. */
export interface JobProgressFrame {
  view: JobView;
  speedBytesPerSecond?: number | undefined;
}

/**
 * A job's progress while `submit --wait` polls: a live bar on a terminal, and on anything else (a
 * pipe, a CI log) one plain line per change of phase or percent, so logs stay readable.
 */
export class JobProgressDisplay {
  private readonly bar: cliProgress.SingleBar | undefined;
  private started = false;
  private lastLine = '';

  constructor(private readonly out: NodeJS.WriteStream) {
    this.bar = out.isTTY
      ? new cliProgress.SingleBar(
          {
            stream: out,
            format: '{phase} |{bar}| {percentage}% {speed}',
            hideCursor: true,
            clearOnComplete: false,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  }

  update(frame: JobProgressFrame): void {
    const { view } = frame;
    const percent = Math.round(view.percent ?? 0);
    const speed = formatSpeed(frame.speedBytesPerSecond);
    if (this.bar) {
      if (!this.started) this.bar.start(100, percent, { phase: view.phase, speed });
      else this.bar.update(percent, { phase: view.phase, speed });
      this.started = true;
      return;
    }
    const line = `${view.status} ${view.phase}${view.percent === null ? '' : ` ${percent}%`}${speed ? ` ${speed}` : ''}`;
    if (line !== this.lastLine) this.out.write(`${line}\n`);
    this.lastLine = line;
  }

  stop(): void {
    if (this.bar && this.started) this.bar.stop();
  }
}

export function formatSpeed(bytesPerSecond: number | undefined): string {
  if (bytesPerSecond === undefined) return '';
  const units = ['B/s', 'KiB/s', 'MiB/s', 'GiB/s'];
  let value = bytesPerSecond;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value >= 10 || unit === 0 ? 0 : 1)} ${units[unit]}`;
}
