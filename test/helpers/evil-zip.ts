/**
 * A tiny hand-written zip writer for archives that well-behaved writers (yazl) refuse to produce: entry names
 * with `..` or a leading `/`, raw non-UTF-8 name bytes, symbolic links to anywhere, and headers whose recorded
 * sizes or CRC lie about the data. Each entry gets a local file header, its data, and a central-directory
 * record; the end-of-central-directory record closes the archive (APPNOTE.TXT §4.3), with ZIP64 end records
 * when there are 65535 entries or more (sizes and offsets stay 32-bit: archives under 4 GiB only).
 */
import { createDeflateRaw, crc32 } from "node:zlib";

/** Unix file-type bits of `st_mode`, stored in the high 16 bits of the external attributes. */
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;

/** One entry, with every field a test may want to falsify. */
export interface EvilEntry {
  /** The name: text is written as UTF-8, a Buffer as its raw bytes. */
  readonly name: string | Buffer;
  /** The uncompressed content (a symlink's content is its target). */
  readonly data?: Buffer | string;
  /** 0 = stored (default), 8 = deflated. */
  readonly method?: 0 | 8;
  /** The bytes written as the entry's data, instead of `data` stored or deflated. */
  readonly rawData?: Buffer;
  /** Sets the general-purpose flag bit 11 (the name is UTF-8); default true for text names, false for Buffers. */
  readonly utf8?: boolean;
  /** Unix `st_mode`, e.g. `S_IFLNK | 0o777`; default `S_IFREG | 0o644`. */
  readonly mode?: number;
  /** Overrides of what the headers record (default: the truth). */
  readonly crc32?: number;
  readonly compressedSize?: number;
  readonly uncompressedSize?: number;
}

const textEncoder = new TextEncoder();

function deflate(data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const z = createDeflateRaw({ level: 9 });
    const out: Buffer[] = [];
    z.on("data", (c: Buffer) => out.push(c));
    z.on("end", () => resolve(Buffer.concat(out)));
    z.on("error", reject);
    z.end(data);
  });
}

/** Builds the archive, entries in the given order. */
export async function evilZip(entries: readonly EvilEntry[]): Promise<Buffer> {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.isBuffer(entry.name) ? entry.name : Buffer.from(textEncoder.encode(entry.name));
    const utf8 = entry.utf8 ?? !Buffer.isBuffer(entry.name);
    const data = Buffer.isBuffer(entry.data) ? entry.data : Buffer.from(entry.data ?? "");
    const method = entry.method ?? 0;
    const body = entry.rawData ?? (method === 8 ? await deflate(data) : data);
    const crc = entry.crc32 ?? crc32(data);
    const compressedSize = entry.compressedSize ?? body.length;
    const uncompressedSize = entry.uncompressedSize ?? data.length;
    const flags = utf8 ? 0x0800 : 0;
    const mode = entry.mode ?? S_IFREG | 0o644;

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10); // time
    local.writeUInt16LE(0x21, 12); // date: 1980-01-01
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(compressedSize >>> 0, 18);
    local.writeUInt32LE(uncompressedSize >>> 0, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28); // extra length

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: unix, 2.0 (so the mode bits count)
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(compressedSize >>> 0, 20);
    central.writeUInt32LE(uncompressedSize >>> 0, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE(((mode & 0xffff) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);

    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const zip64 = entries.length >= 0xffff ? zip64End(entries.length, directory.length, offset) : [];
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Math.min(entries.length, 0xffff), 8);
  end.writeUInt16LE(Math.min(entries.length, 0xffff), 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, ...zip64, end]);
}

/**
 * The ZIP64 end-of-central-directory record and its locator (APPNOTE.TXT §4.3.14, §4.3.15), for archives of 65535
 * entries or more; the classic record then says 0xFFFF entries.
 */
function zip64End(count: number, directorySize: number, directoryOffset: number): Buffer[] {
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4); // size of the rest of the record
  record.writeUInt16LE((3 << 8) | 45, 12); // made by
  record.writeUInt16LE(45, 14); // version needed
  record.writeUInt32LE(0, 16); // this disk
  record.writeUInt32LE(0, 20); // disk of the central directory
  record.writeBigUInt64LE(BigInt(count), 24);
  record.writeBigUInt64LE(BigInt(count), 32);
  record.writeBigUInt64LE(BigInt(directorySize), 40);
  record.writeBigUInt64LE(BigInt(directoryOffset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeUInt32LE(0, 4);
  locator.writeBigUInt64LE(BigInt(directoryOffset + directorySize), 8);
  locator.writeUInt32LE(1, 16);
  return [record, locator];
}

/** An archive with no entries: only the end-of-central-directory record (22 bytes). */
export function emptyZip(): Buffer {
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  return end;
}

/**
 * One entry of `size` zero bytes, deflated: a real zip bomb whose headers tell the truth (300 MB of zeros
 * deflate to about 300 KB). The zeros are fed in 1 MiB pieces, so the test never holds them all.
 */
export async function zerosBomb(name: string, size: number): Promise<Buffer> {
  const piece = Buffer.alloc(1 << 20);
  const z = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  z.on("data", (c: Buffer) => out.push(c));
  const done = new Promise<void>((resolve, reject) => {
    z.on("end", resolve);
    z.on("error", reject);
  });
  let crc = 0;
  for (let left = size; left > 0; left -= piece.length) {
    const chunk = left >= piece.length ? piece : piece.subarray(0, left);
    crc = crc32(chunk, crc);
    if (!z.write(chunk)) {
      await new Promise((resolve) => z.once("drain", resolve));
    }
  }
  z.end();
  await done;
  return evilZip([{ name, method: 8, rawData: Buffer.concat(out), crc32: crc, uncompressedSize: size }]);
}
