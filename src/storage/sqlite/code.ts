/** The `blobs` rows on SQLite: one per stored zip, with the reference count the tables' triggers keep. */
import type { CodeReferences, CodeRepository, StoredCode } from "../types.js";
import type { Db } from "./db.js";
import { keepBounded } from "../../util/bounded-memo.js";

/** The code rows. */
export class SqliteCode implements CodeRepository {
  private readonly insertBlob;
  private readonly selectUnreferenced;
  private readonly deleteBlob;
  private readonly selectReferenced;
  private readonly selectUnzippedSize;
  private readonly selectRow;
  private readonly deleteAllUnreferenced;
  private readonly selectAllReferenced;
  private readonly selectLayerRows;
  private readonly unzippedSizes = new Map<string, number>();

  constructor(db: Db) {
    this.insertBlob = db.prepare(
      "INSERT INTO blobs (sha256, size, unzipped_size) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
    );
    this.selectUnreferenced = db.prepare("SELECT sha256 FROM blobs WHERE refcount <= 0").pluck();
    this.deleteBlob = db.prepare("DELETE FROM blobs WHERE sha256 = ? AND refcount <= 0");
    this.selectReferenced = db.prepare("SELECT 1 FROM blobs WHERE sha256 = ? AND refcount > 0").pluck();
    this.selectUnzippedSize = db.prepare("SELECT unzipped_size FROM blobs WHERE sha256 = ?").pluck();
    this.selectRow = db.prepare("SELECT 1 FROM blobs WHERE sha256 = ?").pluck();
    this.deleteAllUnreferenced = db.prepare("DELETE FROM blobs WHERE refcount <= 0");
    this.selectAllReferenced = db.prepare("SELECT sha256 FROM blobs WHERE refcount > 0").pluck();
    // Every function version's list: $LATEST's by function, each published version's by its own row.
    this.selectLayerRows = db.prepare(`
      SELECT 'f' || function_id AS id, code_sha256 AS sha, position FROM function_layers
      UNION ALL SELECT 'v' || version_id, code_sha256, position FROM function_version_layers
      ORDER BY 1, position`);
  }

  async register(code: StoredCode): Promise<void> {
    this.insertBlob.run(code.sha256Hex, code.codeSize, code.unzippedSize);
  }

  async unzippedSize(sha256Hex: string): Promise<number> {
    // A zip's unzipped size is a fact about its bytes, which the hash names: an answer once found stays true.
    const kept = this.unzippedSizes.get(sha256Hex);
    if (kept !== undefined) {
      return kept;
    }
    const size = this.selectUnzippedSize.get(sha256Hex) as number | undefined;
    if (size === undefined) {
      return 0;
    }
    keepBounded(this.unzippedSizes, sha256Hex, size);
    return size;
  }

  async known(sha256Hex: string): Promise<boolean> {
    return this.selectRow.get(sha256Hex) !== undefined;
  }

  async deleteUnreferenced(keep: (sha256Hex: string) => boolean): Promise<string[]> {
    const gone: string[] = [];
    for (const sha of this.selectUnreferenced.all() as string[]) {
      if (!keep(sha) && this.deleteBlob.run(sha).changes === 1) {
        gone.push(sha);
      }
    }
    return gone;
  }

  async sweep(): Promise<(sha256Hex: string) => boolean> {
    this.deleteAllUnreferenced.run();
    return (sha) => this.selectReferenced.get(sha) !== undefined;
  }

  async references(): Promise<CodeReferences> {
    const lists = new Map<string, string[]>();
    for (const row of this.selectLayerRows.all() as { id: string; sha: string }[]) {
      const list = lists.get(row.id);
      if (list) {
        list.push(row.sha);
      } else {
        lists.set(row.id, [row.sha]);
      }
    }
    return { sha256s: new Set(this.selectAllReferenced.all() as string[]), layerLists: [...lists.values()] };
  }
}
