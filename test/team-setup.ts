/**
 * vitest globalSetup of the team project: one private PostgreSQL cluster and one moto_server for the whole run;
 * each test server then gets a database and a bucket of its own (`test/helpers/server.ts`).
 */
import type { TestProject } from "vitest/node";
import { startPgCluster, startS3Server } from "./helpers/team-backend.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The private cluster's superuser URL. */
    teamPgUrl: string;
    /** moto_server's endpoint. */
    teamS3Endpoint: string;
  }
}

/** Starts both servers and hands their addresses to the test files; returns the teardown. */
export default async function setup(project: TestProject): Promise<() => void> {
  const [pg, s3] = await Promise.all([startPgCluster(), startS3Server()]);
  project.provide("teamPgUrl", pg.url);
  project.provide("teamS3Endpoint", s3.endpoint);
  return () => {
    s3.stop();
    pg.stop();
  };
}
