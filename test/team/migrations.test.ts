/** Several processes starting together on an empty database: the schema is created once, under the lock. */
import pg from "pg";
import { expect, inject, it } from "vitest";
import { PgStorage } from "../../src/storage/postgres/storage.js";
import { PG_MIGRATIONS } from "../../src/storage/postgres/migrations.js";
import { createDatabase } from "../helpers/team-backend.js";

it("applies each migration once when six storages open one new database at the same moment", async () => {
  const url = await createDatabase(inject("teamPgUrl"));
  const storages = await Promise.all(Array.from({ length: 6 }, () => PgStorage.open(url)));
  await Promise.all(storages.map((s) => s.close()));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: number }>(
      "SELECT version FROM lamina_schema ORDER BY version",
    );
    expect(rows.map((r) => r.version)).toEqual(PG_MIGRATIONS.map((m) => m.version));
  } finally {
    await client.end();
  }
});
