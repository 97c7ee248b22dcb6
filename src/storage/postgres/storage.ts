/**
 * The PostgreSQL backend: every repository over one pool, and the transaction shape of `Storage` (a pooled
 * client per transaction, SERIALIZABLE, retried on a lost race; see `db.ts`). Several lamina processes may share
 * one database: numbering, grants and reference counts hold across them.
 */
import { randomBytes } from "node:crypto";
import type { Storage } from "../types.js";
import { PgAliases } from "./aliases.js";
import { PgCode } from "./code.js";
import { PgCredentials } from "./credentials.js";
import { PgDb } from "./db.js";
import { PgFunctions } from "./functions.js";
import { PgFunctionSettings } from "./function-settings.js";
import { PgFunctionUrls } from "./function-urls.js";
import { PgFunctionPolicies } from "./function-policies.js";
import { PgLayers } from "./layers.js";
import { migrate } from "./migrations.js";
import { PgOrganizations } from "./organizations.js";

/** The PostgreSQL storage. */
export class PgStorage implements Storage {
  readonly layers: PgLayers;
  readonly functions: PgFunctions;
  readonly aliases: PgAliases;
  readonly functionSettings: PgFunctionSettings;
  readonly functionUrls: PgFunctionUrls;
  readonly functionPolicies: PgFunctionPolicies;
  readonly code: PgCode;
  readonly organizations: PgOrganizations;
  readonly credentials: PgCredentials;

  constructor(private readonly db: PgDb) {
    this.layers = new PgLayers(db);
    this.functions = new PgFunctions(db);
    this.aliases = new PgAliases(db);
    this.functionSettings = new PgFunctionSettings(db);
    this.functionUrls = new PgFunctionUrls(db);
    this.functionPolicies = new PgFunctionPolicies(db);
    this.code = new PgCode(db);
    this.organizations = new PgOrganizations(db);
    this.credentials = new PgCredentials(db);
  }

  /** Connects to `url` (`postgres://…`) and brings the schema up to date. */
  static async open(url: string): Promise<PgStorage> {
    const db = new PgDb(url);
    try {
      await migrate(db);
    } catch (err) {
      await db.close();
      throw err;
    }
    return new PgStorage(db);
  }

  transaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  /** Whether the database answers now (the health check). */
  async ping(): Promise<void> {
    await this.db.query("SELECT 1");
  }

  /**
   * A random secret every process sharing the database agrees on (the first to ask creates it): the key that
   * signs download URLs in strict mode, so a URL handed out by one process is honoured by the others.
   */
  async sharedSecret(name: string): Promise<Buffer> {
    await this.db.query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", [
      name,
      randomBytes(32).toString("base64"),
    ]);
    const [row] = await this.db.query<{ value: string }>("SELECT value FROM settings WHERE name = $1", [
      name,
    ]);
    if (!row) {
      throw new Error(`setting ${name} vanished`);
    }
    return Buffer.from(row.value, "base64");
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
