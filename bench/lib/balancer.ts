/**
 * A round-robin TCP balancer in front of several lamina processes, as a team runs them behind a load balancer:
 * each new client connection goes to the next backend, and its keep-alive requests stay there.
 */
import { connect, createServer, type Server as NetServer } from "node:net";
import type { Server } from "./servers.js";

/** Listens on a free loopback port and spreads connections over `backends`; the Server answers as the first. */
export async function startBalancer(backends: readonly Server[]): Promise<Server> {
  let next = 0;
  const proxy: NetServer = createServer((client) => {
    const backend = backends[next++ % backends.length];
    const port = Number(new URL(backend?.url ?? "").port);
    const upstream = connect({ host: "127.0.0.1", port, noDelay: true });
    client.setNoDelay(true);
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", close);
    upstream.on("error", close);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const address = proxy.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const first = backends[0];
  if (!first) {
    throw new Error("a balancer needs a backend");
  }
  return {
    ...first,
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    stop: async () => {
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}
