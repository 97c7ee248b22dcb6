/**
 * The floor: a node:http server that reads each request body whole and answers a canned GetLayerVersion-sized
 * JSON (201 for POST, 200 otherwise), with keep-alive and TCP_NODELAY like lamina. The same client against it
 * costs what no server can remove: the client's own work plus loopback HTTP. Run as its own process.
 */
import { createServer } from "node:http";

const portFlag = process.argv.indexOf("--port");
const port = Number(portFlag >= 0 ? process.argv[portFlag + 1] : 0);

const BODY = Buffer.from(
  JSON.stringify({
    Content: {
      Location:
        "http://127.0.0.1/_lamina/code/0000000000000000000000000000000000000000000000000000000000000000",
      CodeSha256: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
      CodeSize: 1,
    },
    LayerArn: "arn:aws:lambda:eu-central-1:123456789012:layer:floor",
    LayerVersionArn: "arn:aws:lambda:eu-central-1:123456789012:layer:floor:1",
    Description: "",
    CreatedDate: "2026-01-01T00:00:00.000+0000",
    Version: 1,
    CompatibleRuntimes: ["python3.12"],
  }),
);

const server = createServer({ keepAlive: true, noDelay: true }, (req, res) => {
  req.on("data", () => undefined);
  req.on("end", () => {
    res.writeHead(req.method === "POST" ? 201 : 200, {
      "Content-Type": "application/json",
      "Content-Length": BODY.length,
      "x-amzn-RequestId": "00000000-0000-0000-0000-000000000000",
    });
    res.end(BODY);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, "127.0.0.1");
const stop = () => server.close(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
