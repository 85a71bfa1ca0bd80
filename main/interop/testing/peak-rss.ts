import fs from 'node:fs';

/**
 * This process's own peak resident set, KiB: VmHWM of /proc/self/status. Not process.resourceUsage().maxRSS: on Linux
 * getrusage keeps the maximum across execve, so a child started by a big parent reports at least the parent's RSS at fork.
 */
export function peakRssKb(): number {
  const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  if (!m) throw new Error('peakRssKb: no VmHWM in /proc/self/status');
  return Number(m[1]);
}
