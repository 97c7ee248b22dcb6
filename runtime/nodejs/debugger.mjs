// lamina Node.js runtime: the debugger of a function whose environment sets LAMINA_DEBUG_PORT (lamina's own;
// Lambda has nothing like it). The V8 inspector listens on 127.0.0.1:<port> (Chrome DevTools, VS Code's
// "attach"), and the runtime waits for a debugger before it loads the handler (so breakpoints in module
// code work too) and before each invoke that finds none attached. lamina checked the port (1024-65535) and
// runs this environment without time-outs.

import fs from "node:fs";
import inspector from "node:inspector";
import net from "node:net";
import { DebuggerUnavailable } from "./errors.mjs";

const HOST = "127.0.0.1";

/** Whether the port can be listened on now (as the inspector does it, with SO_REUSEADDR). */
function portFree(port) {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, HOST, () => probe.close(() => resolve(true)));
  });
}

/**
 * Whether a debugger is connected: an established TCP connection whose local end is the inspector's port.
 * Node has no API that says so, and inspector.waitForDebugger() blocks until a client sends
 * Runtime.runIfWaitingForDebugger again, which an attached debugger never does: waiting on every invoke would
 * hang the second one. When /proc cannot be read the answer is yes, so an invoke never hangs.
 */
function debuggerAttached(port) {
  const local = port.toString(16).toUpperCase().padStart(4, "0");
  let table;
  try {
    table = fs.readFileSync("/proc/net/tcp", "latin1");
  } catch {
    return true;
  }
  return table.split("\n").some((line) => {
    const [, address, , state] = line.trim().split(/\s+/);
    // 0100007F is 127.0.0.1 as the kernel prints it on little-endian machines; 01 is ESTABLISHED.
    return state === "01" && (address === `0100007F:${local}` || address === `7F000001:${local}`);
  });
}

/**
 * Opens the inspector on the port and waits for a debugger to attach. Throws Runtime.DebuggerUnavailable
 * when the port stays taken (an environment stopped a moment ago may still hold it, hence the retries).
 * Returns what to call before each invoke.
 */
export async function startDebugger(portText) {
  const port = Number(portText);
  for (let attempt = 0; !(await portFree(port)); attempt++) {
    if (attempt === 30) {
      throw new DebuggerUnavailable(
        `LAMINA_DEBUG_PORT=${portText}: the debugger cannot listen on ${HOST}:${port}, another program uses ` +
          "that port. Choose another port, or stop that program.",
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  inspector.open(port, HOST, false);
  if (!inspector.url()) {
    throw new DebuggerUnavailable(
      `LAMINA_DEBUG_PORT=${portText}: the inspector could not listen on ${HOST}:${port}.`,
    );
  }
  process.stdout.write(
    `LAMINA_NOTICE debugger listening on ${HOST}:${port} (node inspector); waiting for it to attach\n`,
  );
  inspector.waitForDebugger();
  return {
    beforeInvoke() {
      if (!debuggerAttached(port)) {
        process.stdout.write(`LAMINA_NOTICE waiting for a debugger to attach on ${HOST}:${port}\n`);
        inspector.waitForDebugger();
      }
    },
  };
}
