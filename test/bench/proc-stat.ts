// What the benchmarks read of Linux's /proc: a process's CPU time, memory and parent, its threads' CPU time, the
// machine's busy time, and which processes listen on a TCP port or connect to it. Every reader tolerates a
// process that ends while it is read (it is then absent), since the processes measured come and go.
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** USER_HZ: the unit of the times in /proc/<pid>/stat, 100 on every Linux the benchmarks run on. */
const TICKS_PER_SECOND = 100;
const PAGE_BYTES = 4096;
/** The states /proc/net/tcp gives a listening socket and an open connection. */
const TCP_LISTEN = '0A';
const TCP_ESTABLISHED = '01';

export interface ProcessStat {
  pid: number;
  /** The command's name (`comm`), at most 15 characters. */
  name: string;
  ppid: number;
  /** User and system CPU seconds of the process, every thread included, ended threads too. */
  cpuSeconds: number;
  /** CPU seconds of its children that ended and were waited for (their time moves here when they end). */
  endedChildrenCpuSeconds: number;
  rssBytes: number;
}

export const procAvailable = (): boolean => existsSync('/proc/stat');

/** One process's /proc/<pid>/stat; undefined when it is gone. */
function processStat(pid: number): ProcessStat | undefined {
  try {
    return parseStat(pid, readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Every process on the machine, by pid. */
export function allProcesses(): Map<number, ProcessStat> {
  const processes = new Map<number, ProcessStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = processStat(Number(entry));
    if (stat) processes.set(stat.pid, stat);
  }
  return processes;
}

/** CPU seconds of each live thread of `pid`, with the thread's name (a worker thread's `name`, e.g. `transform`). */
export function threadTimes(pid: number): { name: string; seconds: number }[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
      const thread = readThread(pid, Number(tid));
      return thread ? [thread] : [];
    });
  } catch {
    return [];
  }
}

function readThread(pid: number, tid: number): { name: string; seconds: number } | undefined {
  try {
    const stat = parseStat(tid, readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
    return { name: stat.name, seconds: stat.cpuSeconds };
  } catch {
    return undefined;
  }
}

/** CPU seconds the whole machine spent busy (user, nice, system, irq, softirq) since boot. */
export function machineBusySeconds(): number {
  const [, user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = (
    readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? ''
  )
    .trim()
    .split(/\s+/)
    .map(Number);
  return (user + nice + system + irq + softirq) / TICKS_PER_SECOND;
}

/** The command line of `pid`, its arguments joined by spaces; '' when it is gone. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

/** The pids whose command line contains `fragment`. */
export function pidsByCommandLine(fragment: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => commandLine(pid).includes(fragment));
}

/**
 * The process that listens on TCP `port` (any address, IPv4 or IPv6); undefined when none on this machine does.
 * Several servers of one kind can run here at once (a test's own broker beside the shared one), so a server is
 * found by the port its clients use, not by its name.
 */
export function pidListeningOn(port: number): number | undefined {
  const inodes = socketInodes((socket) => socket.localPort === port && socket.state === TCP_LISTEN);
  return [...socketOwners(inodes)][0];
}

/** The processes on this machine with a connection open to TCP `port`: a server's local clients. */
export function clientPidsOf(port: number): Set<number> {
  return socketOwners(
    socketInodes((socket) => socket.remotePort === port && socket.state === TCP_ESTABLISHED),
  );
}

interface TcpSocket {
  localPort: number;
  remotePort: number;
  state: string;
  inode: string;
}

function socketInodes(wanted: (socket: TcpSocket) => boolean): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines: string[];
    try {
      lines = readFileSync(table, 'utf8').split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      const port = (address: string | undefined) => Number.parseInt(address?.split(':').at(-1) ?? '', 16);
      const socket = {
        localPort: port(fields[1]),
        remotePort: port(fields[2]),
        state: fields[3] ?? '',
        inode: fields[9] ?? '',
      };
      if (socket.inode !== '' && wanted(socket)) inodes.add(socket.inode);
    }
  }
  return inodes;
}

/** The processes holding any of the sockets `inodes`, found among every process's open files. */
function socketOwners(inodes: ReadonlySet<string>): Set<number> {
  const owners = new Set<number>();
  if (inodes.size === 0) return owners;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${entry}/fd/${fd}`);
        if (target.startsWith('socket:[') && inodes.has(target.slice(8, -1))) {
          owners.add(Number(entry));
          break;
        }
      } catch {
        // The file was closed while we looked.
      }
    }
  }
  return owners;
}

function parseStat(pid: number, stat: string): ProcessStat {
  // The name is in parentheses and may hold spaces or parentheses itself: the fields start after the last one.
  const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Counted from field 3 (state): ppid 4, utime 14, stime 15, cutime 16, cstime 17, rss 24.
  const field = (number: number) => Number(fields[number - 3]);
  return {
    pid,
    name,
    ppid: field(4),
    cpuSeconds: (field(14) + field(15)) / TICKS_PER_SECOND,
    endedChildrenCpuSeconds: (field(16) + field(17)) / TICKS_PER_SECOND,
    rssBytes: field(24) * PAGE_BYTES,
  };
}
