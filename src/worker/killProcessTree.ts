import { readdirSync, readFileSync } from 'node:fs';

/** Child pids of every process, read from /proc (Linux, as in the container). */
function childrenByParent(): Map<number, number[]> {
  const map = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return map;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may contain spaces and parentheses; fields resume after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const parent = Number(fields[1]);
      const list = map.get(parent) ?? [];
      list.push(Number(entry));
      map.set(parent, list);
    } catch {
      // The process ended while we looked.
    }
  }
  return map;
}

/**
 * Signals a process and all its descendants (yt-dlp starts ffmpeg for merging). The children stay
 * in the worker's process group on purpose, so a container runtime stopping the group still reaches
 * them even if the worker itself is killed first.
 */
export function killProcessTree(pid: number, signal: NodeJS.Signals): void {
  const tree = childrenByParent();
  const pids: number[] = [];
  const visit = (p: number) => {
    pids.push(p);
    for (const child of tree.get(p) ?? []) visit(child);
  };
  visit(pid);
  // Children first, so a parent cannot respawn or reap-and-replace them in between.
  for (const p of pids.reverse()) {
    try {
      process.kill(p, signal);
    } catch {
      // Already gone.
    }
  }
}
