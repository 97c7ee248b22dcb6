/**
 * A Runtime API serves only its own environment (issue 18, item 7). Functions share the host's network, so every
 * environment's port is visible in /proc/net/tcp: a hostile function of one account hammers them with `/next` and
 * forged responses while another account's function is invoked 200 times, and a plain process outside tries the
 * same. Neither gets a byte, and the victim answers every invoke correctly from its one environment.
 */
import { connect } from "node:net";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Lamina } from "../../src/index.js";
import { lambdaClient, randomName } from "../helpers/clients.js";
import { createFunction, invoke, pollFor, readFunctionLog } from "../helpers/invoke.js";
import { startTestServer } from "../helpers/server.js";

const ATTACKER = "111111111111";
const VICTIM = "222222222222";
const ATTACK_SECONDS = 15;
const VICTIM_INVOKES = 200;

/**
 * Finds the listening loopback TCP ports in /proc/net/tcp (state 0A) and, for ATTACK_SECONDS, hammers each with
 * `/next` (short timeouts) from 4 threads, forging a response for every request id it learns. The event lists the
 * ports it may attack: this machine is shared, and other programs' servers are not this test's to hammer.
 */
const ATTACKER_SOURCE = `
import socket, threading, time

def listening_ports():
    ports = set()
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = open(path).read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if cols[3] == "0A":
                ports.add(int(cols[1].split(":")[1], 16))
    return ports

def exchange(port, data):
    s = socket.create_connection(("127.0.0.1", port), timeout=0.3)
    got = b""
    try:
        s.sendall(data)
        while True:
            try:
                chunk = s.recv(65536)
            except (socket.timeout, OSError):
                break
            if not chunk:
                break
            got += chunk
            head, sep, body = got.partition(b"\\r\\n\\r\\n")
            if sep:
                size = [l.split(b":", 1)[1] for l in head.split(b"\\r\\n") if l.lower().startswith(b"content-length:")]
                if size and len(body) >= int(size[0]):
                    break  # a whole answer: use it at once (the runtime's own answer races the forged one)
    finally:
        s.close()
    return got

def handler(event, context):
    allowed = set(event["ports"])
    stats = {"attempts": 0, "events": 0, "forged": 0, "answered": {}}
    attacked = set()
    lock = threading.Lock()
    deadline = time.time() + event["seconds"]

    def count(key, port=None):
        with lock:
            if port is None:
                stats[key] += 1
            else:
                stats["answered"][str(port)] = stats["answered"].get(str(port), 0) + 1

    def worker():
        while time.time() < deadline:
            for port in sorted(listening_ports() & allowed):
                attacked.add(port)
                count("attempts")
                try:
                    got = exchange(port, b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
                except OSError:
                    continue
                if got:
                    count("answered", port)
                for line in got.split(b"\\r\\n"):
                    if line.lower().startswith(b"lambda-runtime-aws-request-id:"):
                        count("events")
                        rid = line.split(b":", 1)[1].strip().decode()
                        body = b'"forged"'
                        forged = exchange(port, b"POST /2018-06-01/runtime/invocation/" + rid.encode()
                            + b"/response HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: %d\\r\\n\\r\\n" % len(body) + body)
                        if forged.startswith(b"HTTP/1.1 202"):
                            count("forged")

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats["ports"] = sorted(attacked)
    return stats
`;

const VICTIM_SOURCE = `
def handler(event, context):
    return {"n": event["n"], "secret": "victim-" + str(event["n"])}
`;

/**
 * On `spawn`, starts a process inside the environment that, once the runtime waits again, asks for `/next` itself
 * and writes the status it got to `event.file`; on `read`, answers that status.
 */
const SECOND_NEXT_SOURCE = `
import os, subprocess, sys

PROBE = """
import os, sys, time, urllib.request, urllib.error
time.sleep(1)
url = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/next"
try:
    status = urllib.request.urlopen(url, timeout=3).status
except urllib.error.HTTPError as err:
    status = err.code
except Exception as err:
    status = type(err).__name__
open(sys.argv[1], "w").write(str(status))
"""

def handler(event, context):
    if event["step"] == "spawn":
        subprocess.Popen([sys.executable, "-c", PROBE, event["file"]])
        return "spawned"
    if event["step"] == "read":
        return open(event["file"]).read()
    return "mine"
`;

/** A custom runtime as the AWS tutorial writes it: a shell loop with curl, a new connection for every request. */
const CURL_BOOTSTRAP = `#!/bin/sh
set -eu
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
HEADERS=$(mktemp)
while true; do
  EVENT=$(curl -sS -D "$HEADERS" "$API/invocation/next")
  ID=$(grep -i '^lambda-runtime-aws-request-id:' "$HEADERS" | cut -d' ' -f2 | tr -d '\\r')
  curl -sS -X POST -d "{\\"echo\\":$EVENT}" "$API/invocation/$ID/response" > /dev/null
done
`;

/** The loopback ports lamina (running in this process) listens on, from /proc/net/tcp and this process's fds. */
function laminaPorts(): number[] {
  const ours = new Set<string>();
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      ours.add(readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const row of readFileSync("/proc/net/tcp", "latin1").split("\n").slice(1)) {
    const cols = row.trim().split(/\s+/);
    if (cols[3] === "0A" && ours.has(`socket:[${cols[9]}]`)) {
      ports.push(parseInt(cols[1]?.split(":")[1] ?? "", 16));
    }
  }
  return ports.sort((a, b) => a - b);
}

/** The Runtime API ports: lamina's listening ports other than its own endpoint. */
function runtimeApiPorts(lamina: Lamina): number[] {
  return laminaPorts().filter((port) => port !== Number(new URL(lamina.url).port));
}

/** Sends `request` on a fresh connection and resolves with every byte received until the server closes it. */
function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, "127.0.0.1", () => socket.write(request));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => undefined); // a reset is a close too
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
    setTimeout(() => reject(new Error("the connection stayed open")), 5_000).unref();
  });
}

const countInits = (log: string) => (log.match(/^REPORT .*\tInit Duration: /gm) ?? []).length;
const countReports = (log: string) => (log.match(/^REPORT /gm) ?? []).length;

const servers = {
  bwrap: await startTestServer({ sandbox: "bwrap" }),
  none: await startTestServer({ sandbox: "none" }),
};

for (const sandbox of ["bwrap", "none"] as const) {
  describe(`Runtime API isolation (--sandbox ${sandbox})`, () => {
    const lamina = servers[sandbox];
    const attackerClient = lambdaClient(lamina.url, ATTACKER);
    const victimClient = lambdaClient(lamina.url, VICTIM);

    async function victimFunction(): Promise<string> {
      const name = randomName("victim");
      await createFunction(victimClient, VICTIM, name, {
        runtime: "python3.12",
        handler: "main.handler",
        files: { "main.py": VICTIM_SOURCE },
      });
      return name;
    }

    /** Invokes a new victim once (cold) and returns it with its environment's Runtime API port. */
    async function coldVictim(): Promise<{ name: string; port: number }> {
      const name = await victimFunction();
      const known = runtimeApiPorts(lamina);
      expect(await victimAnswer(name, 0)).toEqual(expected(0));
      const fresh = runtimeApiPorts(lamina).filter((port) => !known.includes(port));
      expect(fresh).toHaveLength(1);
      return { name, port: fresh[0] ?? 0 };
    }

    const victimAnswer = async (name: string, n: number) => {
      const out = await invoke(victimClient, name, { n });
      return [out.status, out.functionError, JSON.parse(out.payload) as unknown];
    };
    const expected = (n: number) => [200, undefined, { n, secret: `victim-${n}` }];

    it("a hostile function hammering every loopback port gets 0 events and forges 0 answers; 200 invokes of another account answer right from one environment", async () => {
      const { name: victim, port: victimPort } = await coldVictim();
      const attacker = randomName("attacker");
      await createFunction(attackerClient, ATTACKER, attacker, {
        runtime: "python3.12",
        handler: "main.handler",
        files: { "main.py": ATTACKER_SOURCE },
        timeout: ATTACK_SECONDS + 15,
      });
      const answers: unknown[][] = [expected(0)];
      const targets = laminaPorts();

      const attack = invoke(attackerClient, attacker, { ports: targets, seconds: ATTACK_SECONDS });
      // Spread over the attack, so the victim's runtime spends most of it waiting in `/next`.
      for (let n = 1; n < VICTIM_INVOKES; n++) {
        answers.push(await victimAnswer(victim, n));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const out = await attack;
      expect([out.status, out.functionError]).toEqual([200, undefined]);
      const stats = JSON.parse(out.payload) as {
        attempts: number;
        events: number;
        forged: number;
        answered: Record<string, number>;
        ports: number[];
      };

      expect({ events: stats.events, forged: stats.forged, ports: stats.ports }).toEqual({
        events: 0,
        forged: 0,
        ports: targets,
      });
      // Every connection to the victim's Runtime API was closed without a byte; lamina's own endpoint answers.
      expect(stats.answered[String(victimPort)]).toBeUndefined();
      expect(stats.attempts).toBeGreaterThan(200);
      expect(answers).toEqual(Array.from({ length: VICTIM_INVOKES }, (_, n) => expected(n)));
      const log = await pollFor(
        () => readFunctionLog(lamina, VICTIM, victim),
        (text) => countReports(text) === VICTIM_INVOKES,
      );
      expect([countReports(log), countInits(log)]).toEqual([VICTIM_INVOKES, 1]);
    }, 90_000);

    it("a plain process outside gets its connection closed unread and changes nothing", async () => {
      const { name: victim, port } = await coldVictim();
      const before = runtimeApiPorts(lamina);

      const next = rawExchange(port, "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n");
      const forged = rawExchange(
        port,
        "POST /2018-06-01/runtime/invocation/x/response HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
      );
      expect([await next, await forged]).toEqual(["", ""]);
      await expect(fetch(`http://127.0.0.1:${port}/2018-06-01/runtime/invocation/next`)).rejects.toThrow(
        "fetch failed",
      );

      expect(await victimAnswer(victim, 1)).toEqual(expected(1));
      expect(runtimeApiPorts(lamina)).toEqual(before);
      const log = await pollFor(
        () => readFunctionLog(lamina, VICTIM, victim),
        (text) => countReports(text) === 2,
      );
      expect([countReports(log), countInits(log)]).toEqual([2, 1]);
    });

    it("a second /next from inside the environment while the runtime waits is refused and takes nothing", async () => {
      const name = randomName("second-next");
      await createFunction(victimClient, VICTIM, name, {
        runtime: "python3.12",
        handler: "main.handler",
        files: { "main.py": SECOND_NEXT_SOURCE },
      });
      const file = `/tmp/lamina-second-next-${randomName("probe")}`;
      const payload = async (event: unknown) => (await invoke(victimClient, name, event)).payload;
      expect(await payload({ step: "spawn", file })).toBe('"spawned"');
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(await payload({ step: "mine", file })).toBe('"mine"');
      expect(await payload({ step: "read", file })).toBe('"403"');
    });

    it("a custom runtime whose bootstrap uses curl (a new connection per request) is served", async () => {
      const name = randomName("curl");
      await createFunction(victimClient, VICTIM, name, {
        runtime: "provided.al2023",
        handler: "unused",
        files: { bootstrap: CURL_BOOTSTRAP },
        modes: { bootstrap: 0o755 },
      });
      const answers: unknown[] = [];
      for (let n = 0; n < 20; n++) {
        const out = await invoke(victimClient, name, { n });
        answers.push([out.status, out.functionError, JSON.parse(out.payload) as unknown]);
      }
      expect(answers).toEqual(Array.from({ length: 20 }, (_, n) => [200, undefined, { echo: { n } }]));
    });
  });
}
