/** The contract between the HTTP layer and the resource modules: a decoded call in, a reply out. */
import type { IncomingHttpHeaders } from "node:http";
import type { OperationName } from "./operations.js";
import type { RequestContext } from "../../identity/context.js";

/** One decoded API call. */
export interface Call {
  readonly ctx: RequestContext;
  /** Decoded path labels, named as the model names them (`LayerName`, `VersionNumber`). */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The parsed JSON body; `{}` when the request had none, and for operations whose body is a raw payload. */
  readonly body: Readonly<Record<string, unknown>>;
  /** The body's bytes, for operations whose body is a raw payload (Invoke); empty otherwise. */
  readonly rawBody: Buffer;
  readonly headers: IncomingHttpHeaders;
  /** The URL of a stored zip at the origin the client reached lamina at (`Content.Location`), signed in strict mode. */
  readonly codeLocation: (sha256Hex: string) => string;
}

/** What a handler answers; the status defaults to the operation's success status from the model. */
export interface Reply {
  readonly status?: number;
  readonly body?: unknown;
  /** Bytes sent as they are (an Invoke's payload), instead of `body` as JSON. */
  readonly rawBody?: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Serves one operation. */
export type Handler = (call: Call) => Reply | Promise<Reply>;

/** One handler per operation of the model: a missing one does not compile. */
export type HandlerTable = { readonly [K in OperationName]: Handler };
