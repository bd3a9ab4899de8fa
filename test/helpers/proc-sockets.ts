// Which processes hold a TCP listening socket, read from Linux's /proc (no other platform has it):
// the listening sockets' inodes come from /proc/net/tcp{,6}, a process holds one when a link in
// /proc/PID/fd reads `socket:[INODE]`. Used to tell whether `splitee serve --workers N`'s workers
// accept connections themselves (they hold the listening socket) or get them from the primary.
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** True where this helper works (Linux with /proc). */
export const hasProcNet = (): boolean => existsSync('/proc/net/tcp') && existsSync('/proc/self/fd');

/** Inodes of the sockets listening on `port` (state 0A in /proc/net/tcp and tcp6). */
export function listeningInodes(port: number): Set<string> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const out = new Set<string>();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(f)) continue;
    for (const line of readFileSync(f, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && cols[1].endsWith(`:${hexPort}`) && cols[3] === '0A') out.add(cols[9]);
    }
  }
  return out;
}

/** Pids of the live children of `ppid` whose command line contains `marker`. */
export function childPids(ppid: number, marker: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const status = readFileSync(`/proc/${d}/status`, 'utf8');
      if (Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) !== ppid || /^State:\s+Z/m.test(status)) continue;
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(marker)) pids.push(Number(d));
    } catch {
      // the process ended while we read it
    }
  }
  return pids.sort((a, b) => a - b);
}

/** True when process `pid` holds one of the socket `inodes` (an open descriptor on it). */
export function holdsSocket(pid: number, inodes: Set<string>): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return inodes.has(/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? '');
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}
