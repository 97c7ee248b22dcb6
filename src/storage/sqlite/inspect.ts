/**
 * Read-only inspection of a SQLite data dir for `lamina check`: SQLite's own integrity check, and every blob the
 * rows reference with what references it. Opened read-only, so checking never changes the database.
 */
import Database from "better-sqlite3";
import { functionArn, layerVersionArn, partitionOf } from "../../arn.js";

/** What `inspectDatabase` found. */
export interface DatabaseReport {
  /** `PRAGMA integrity_check`'s lines; `["ok"]` for a sound file. */
  readonly integrity: readonly string[];
  /** Each referenced blob's hex SHA-256 with what references it (layer version ARNs, function ARNs). */
  readonly references: ReadonlyMap<string, readonly string[]>;
}

interface LayerRow {
  sha: string;
  account_id: string;
  region: string;
  name: string;
  version: number;
}

interface FunctionRow {
  sha: string;
  account_id: string;
  region: string;
  name: string;
  layer_arn: string | null;
}

/** Inspects the database at `file` without writing to it. */
export function inspectDatabase(file: string): DatabaseReport {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const integrity = db.pragma("integrity_check", { simple: false }) as { integrity_check: string }[];
    const references = new Map<string, string[]>();
    const add = (sha: string, what: string) => references.set(sha, [...(references.get(sha) ?? []), what]);
    for (const sha of db.prepare("SELECT sha256 FROM blobs").pluck().all() as string[]) {
      references.set(sha, []);
    }
    const layers = db
      .prepare(
        `SELECT v.code_sha256 AS sha, l.account_id, l.region, l.name, v.version
           FROM layer_versions v JOIN layers l ON l.id = v.layer_id`,
      )
      .all() as LayerRow[];
    for (const r of layers) {
      add(
        r.sha,
        `layer ${layerVersionArn({ partition: partitionOf(r.region), accountId: r.account_id, region: r.region, name: r.name, version: r.version })}`,
      );
    }
    const functions = db
      .prepare(
        `SELECT code_sha256 AS sha, account_id, region, name, NULL AS layer_arn FROM functions
         UNION ALL
         SELECT fl.code_sha256, f.account_id, f.region, f.name, fl.arn
           FROM function_layers fl JOIN functions f ON f.id = fl.function_id`,
      )
      .all() as FunctionRow[];
    for (const r of functions) {
      const arn = functionArn({
        partition: partitionOf(r.region),
        accountId: r.account_id,
        region: r.region,
        name: r.name,
      });
      add(
        r.sha,
        r.layer_arn === null ? `code of function ${arn}` : `layer ${r.layer_arn} of function ${arn}`,
      );
    }
    return { integrity: integrity.map((row) => row.integrity_check), references };
  } finally {
    db.close();
  }
}
