/**
 * Which process is at the other end of a loopback TCP connection. TCP carries no peer credentials, but Linux
 * lists every socket of the network namespace in `/proc/net/tcp` (and `tcp6`) with its inode, and a process's
 * open sockets are `socket:[inode]` links in `/proc/<pid>/fd`. Functions share the host's network namespace
 * (AWS gives them outbound network), so the Runtime API uses this to serve only its own environment's processes.
 */
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, readSync } from "node:fs";
import { endianness } from "node:os";

/** Both ends of an accepted connection, as the server's socket reports them. */
export interface Endpoints {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
}

const LITTLE_ENDIAN = endianness() === "LE";

/** The kernel prints each 32-bit word of an address as a native-order integer in hex. */
function hexWords(bytes: readonly number[]): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 4) {
    const word = Buffer.from(bytes.slice(i, i + 4));
    const value = LITTLE_ENDIAN ? word.readUInt32LE(0) : word.readUInt32BE(0);
    out += value.toString(16).toUpperCase().padStart(8, "0");
  }
  return out;
}

function ipv4Bytes(address: string): number[] | undefined {
  const plain = address.startsWith("::ffff:") ? address.slice(7) : address;
  const parts = plain.split(".").map(Number);
  return parts.length === 4 && parts.every((n) => Number.isInteger(n) && n >= 0 && n <= 255)
    ? parts
    : undefined;
}

const port = (n: number) => n.toString(16).toUpperCase().padStart(4, "0");

/** The `local rem` columns of the client's socket in `/proc/net/tcp` and, for a v4-mapped IPv6 socket, `tcp6`. */
function clientKeys(ends: Endpoints): { v4: string; v6: string } | undefined {
  const peer = ipv4Bytes(ends.remoteAddress);
  const self = ipv4Bytes(ends.localAddress);
  if (!peer || !self) {
    return undefined;
  }
  const mapped = (b: number[]) => hexWords([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...b]);
  return {
    v4: `${hexWords(peer)}:${port(ends.remotePort)} ${hexWords(self)}:${port(ends.localPort)} `,
    v6: `${mapped(peer)}:${port(ends.remotePort)} ${mapped(self)}:${port(ends.localPort)} `,
  };
}

function inodeIn(table: string, key: string): number | undefined {
  // A TIME_WAIT entry of an earlier connection may share the addresses; it has no inode, the live one does.
  for (let at = table.indexOf(key); at >= 0; at = table.indexOf(key, at + 1)) {
    const end = table.indexOf("\n", at);
    // Columns after the addresses: st tx:rx tr:when retrnsmt uid timeout inode …
    const columns = table
      .slice(at + key.length, end < 0 ? undefined : end)
      .trim()
      .split(/\s+/);
    const inode = Number(columns[6]);
    if (Number.isInteger(inode) && inode > 0) {
      return inode;
    }
  }
  return undefined;
}

/** Reused by every read: the kernel formats /proc/net/tcp per read() call, so one large read is both faster and
 * a single pass (a table read in small chunks can skip a line when sockets come and go between chunks). */
let tableBuffer = Buffer.alloc(1 << 20);

function readTable(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return "";
  }
  try {
    let length = 0;
    for (;;) {
      if (length === tableBuffer.length) {
        const bigger = Buffer.alloc(tableBuffer.length * 2);
        tableBuffer.copy(bigger);
        tableBuffer = bigger;
      }
      const n = readSync(fd, tableBuffer, length, tableBuffer.length - length, null);
      if (n === 0) {
        return tableBuffer.toString("latin1", 0, length);
      }
      length += n;
    }
  } catch {
    return "";
  } finally {
    closeSync(fd);
  }
}

/** The inode of the client's socket of an accepted loopback connection; undefined when it is gone or not IPv4. */
export function clientSocketInode(ends: Endpoints): number | undefined {
  const keys = clientKeys(ends);
  if (!keys) {
    return undefined;
  }
  return inodeIn(readTable("/proc/net/tcp"), keys.v4) ?? inodeIn(readTable("/proc/net/tcp6"), keys.v6);
}

/** The socket inodes `pid` holds open, each mapped to `pid`, added to `into`. */
function socketsOf(pid: number, into: Map<number, number>): void {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return;
  }
  for (const fd of fds) {
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (link.startsWith("socket:[")) {
        into.set(Number(link.slice(8, -1)), pid);
      }
    } catch {
      // closed meanwhile
    }
  }
}

/** Whether process `pid` has the socket `inode` open. */
function holdsSocket(pid: number, inode: number): boolean {
  const link = `socket:[${inode}]`;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === link) {
        return true;
      }
    } catch {
      // closed meanwhile
    }
  }
  return false;
}

/** The process whose socket is `inode`, searched over every process on the machine (for the refusal's log line). */
export function socketOwner(inode: number): number | undefined {
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (Number.isInteger(pid) && holdsSocket(pid, inode)) {
      return pid;
    }
  }
  return undefined;
}

/**
 * `root` and every process below it, parents first (threads' children included), walking
 * `/proc/<pid>/task/<tid>/children`; lazily, so a caller that finds what it looks for stops reading.
 */
export function* processTree(root: number): Generator<number> {
  const queue = [root];
  for (let seen = 0; queue.length > 0 && seen < 4096; seen++) {
    const pid = queue.shift() as number;
    yield pid;
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      try {
        const kids = readFileSync(`/proc/${pid}/task/${tid}/children`, "latin1").trim();
        if (kids) {
          queue.push(...kids.split(" ").map(Number));
        }
      } catch {
        // the thread ended meanwhile
      }
    }
  }
}

/** Who is at the other end of a connection: a process of the environment, or someone else (its socket's inode). */
export type PeerCheck =
  { readonly own: true; readonly pid: number } | { readonly own: false; readonly inode: number | undefined };

/**
 * Decides, per new connection, whether its client socket belongs to one of the processes under `root()`.
 * The environment's own sockets are read first (a few fds): when none is new since the last admitted connection,
 * the connection cannot be theirs and is refused without reading the machine-wide socket table, which costs
 * about 2 µs per socket on the machine. So a flood of strangers against an idle runtime stays cheap.
 */
export class PeerGate {
  /** Client sockets already admitted that the environment still holds. */
  private readonly admitted = new Set<number>();

  constructor(private readonly root: () => number | undefined) {}

  /** Checks one accepted connection (synchronously: nothing of it has been read yet). */
  check(ends: Endpoints): PeerCheck {
    const root = this.root();
    const held = new Map<number, number>();
    if (root !== undefined) {
      for (const pid of processTree(root)) {
        socketsOf(pid, held);
      }
    }
    for (const inode of this.admitted) {
      if (!held.has(inode)) {
        this.admitted.delete(inode);
      }
    }
    if (![...held.keys()].some((inode) => !this.admitted.has(inode))) {
      return { own: false, inode: undefined };
    }
    const inode = clientSocketInode(ends);
    const pid = inode === undefined ? undefined : held.get(inode);
    if (inode === undefined || pid === undefined) {
      return { own: false, inode };
    }
    this.admitted.add(inode);
    return { own: true, pid };
  }
}
