/** Zip archives built in memory: STORED entries (no compression), so sizes on the wire are what they say. */
import { randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";

/** One file of a zip. */
export interface ZipEntry {
  readonly name: string;
  readonly data: Buffer;
  /** Unix permission bits (0644 when absent). */
  readonly mode?: number;
}

const DOS_TIME = 0; // 00:00:00
const DOS_DATE = (2020 - 1980) * 512 + 1 * 32 + 1; // 2020-01-01

/** A zip of `entries`, every one STORED. */
export function storedZip(entries: readonly ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, "utf8");
    const crc = crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // STORED
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, spec 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((((e.mode ?? 0o644) | 0o100000) << 16) >>> 0, 38); // regular file + mode
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, e.data);
    centrals.push(central, name);
    offset += local.length + name.length + e.data.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

/**
 * Distinct zips of about `totalBytes` each: one random payload, and zip k differs from the others in its first
 * 16 bytes, so every one has its own SHA-256 while building it costs one CRC-32, not a new random payload.
 */
export class DistinctZips {
  private readonly payload: Buffer;
  private readonly salt = randomBytes(8);

  constructor(totalBytes: number) {
    this.payload = randomBytes(Math.max(16, totalBytes - 150));
  }

  /** Zip number k. */
  zip(k: number): Buffer {
    this.salt.copy(this.payload, 0);
    this.payload.writeDoubleLE(k, 8);
    return storedZip([{ name: "python/blob.bin", data: this.payload }]);
  }
}

/** A small layer zip with one Python module at `python/<module>.py`. */
export function pythonModuleZip(module: string, source: string): Buffer {
  return storedZip([{ name: `python/${module}.py`, data: Buffer.from(source) }]);
}
