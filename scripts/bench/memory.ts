/** Resident memory of a process and all its descendants (Linux /proc), sampled while a benchmark runs. */
import { readdirSync, readFileSync } from 'node:fs';

function readProcesses(): { pid: number; ppid: number; rssBytes: number }[] {
  const processes: { pid: number; ppid: number; rssBytes: number }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      processes.push({ pid: Number(entry), ppid, rssBytes: rssKb * 1024 });
    } catch {
      // the process ended while we looked
    }
  }
  return processes;
}

/** Bytes resident in `rootPid` and its descendants now. */
export function treeResidentBytes(rootPid: number): number {
  const processes = readProcesses();
  const children = new Map<number, number[]>();
  for (const p of processes) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const rss = new Map(processes.map((p) => [p.pid, p.rssBytes]));
  let total = 0;
  const pending = [rootPid];
  while (pending.length) {
    const pid = pending.pop()!;
    total += rss.get(pid) ?? 0;
    pending.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** Samples the tree's resident memory every intervalMs until stopped; resolves with the peak. */
export function samplePeakResidentBytes(rootPid: number, intervalMs = 250): { stop(): number } {
  let peak = treeResidentBytes(rootPid);
  const timer = setInterval(() => (peak = Math.max(peak, treeResidentBytes(rootPid))), intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, treeResidentBytes(rootPid));
    },
  };
}
