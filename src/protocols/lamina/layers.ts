/**
 * `PUT /_lamina/layers/<layer version ARN>`: stores a layer version under exactly that ARN (what `lamina
 * import-layer` sends). The body is the zip; the header `X-Lamina-Layer-Version` carries the version's members as
 * base64 of a JSON object (`CodeSha256` required; `Description`, `LicenseInfo`, `CompatibleRuntimes`,
 * `CompatibleArchitectures`, `CreatedDate` as GetLayerVersion gives them). The bytes must hash to `CodeSha256`.
 * An ARN holding other bytes is refused (409) unless `?force=true`. Gated like the explorer's API: open in lenient
 * mode, the admin token in strict mode.
 *
 * Answers 201 (stored) or 200 (already there, or replaced) with `{Outcome, LayerVersionArn, Version, CodeSha256,
 * CodeSize}`; errors as the Lambda API writes them.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { layerVersionArn, parseLayerVersionArn } from "../../arn.js";
import { MAX_UNZIPPED_SIZE, codeSha256Of } from "../../domain/code.js";
import type { VendorLayers } from "../../domain/layers/vendor.js";
import { InvalidParameterValueException, LambdaError, RequestEntityTooLargeException } from "../../errors.js";
import { readBody } from "../http.js";
import { writeError, writeJson } from "../lambda/respond.js";

/** The path prefix; the rest is the URL-encoded layer version ARN. */
export const LAYERS_PATH = "/_lamina/layers/";

/** The header with the version's members. */
export const LAYER_VERSION_HEADER = "x-lamina-layer-version";

/** A zip holds its entries plus headers: a little room above the unzipped limit is enough for any layer. */
const BODY_LIMIT = MAX_UNZIPPED_SIZE + 16 * 1024 * 1024;

/** lamina's own texts for what this endpoint refuses. */
export const IMPORT_MESSAGES = {
  badArn: (arn: string) => `${arn} is not a layer version ARN.`,
  badMembers: (problems: string) =>
    `The ${LAYER_VERSION_HEADER} header must be base64 of a JSON object of the version's members: ${problems}`,
  tooLarge: `Request must be smaller than ${BODY_LIMIT} bytes`,
} as const;

const Members = z.object({
  CodeSha256: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, "a base64 SHA-256"),
  Description: z.string().max(256).optional(),
  LicenseInfo: z.string().max(512).optional(),
  CompatibleRuntimes: z.array(z.string().min(1)).max(15).optional(),
  CompatibleArchitectures: z
    .array(z.enum(["x86_64", "arm64"]))
    .max(2)
    .optional(),
  CreatedDate: z.string().min(1).optional(),
});

/** What the endpoint reads from the header. */
export type ImportMembers = z.infer<typeof Members>;

/** Serves one PUT; the caller has passed the admin gate. */
export async function putLayerVersion(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  requestId: string,
  vendor: VendorLayers,
): Promise<void> {
  try {
    const arn = decodeURIComponent(url.pathname.slice(LAYERS_PATH.length));
    const ref = parseLayerVersionArn(arn);
    if (!ref || ref.version < 1) {
      throw new InvalidParameterValueException(IMPORT_MESSAGES.badArn(arn));
    }
    const members = readMembers(req);
    const zip = await readBody(req, BODY_LIMIT);
    if (zip === undefined) {
      res.setHeader("Connection", "close");
      throw new RequestEntityTooLargeException(IMPORT_MESSAGES.tooLarge);
    }
    const result = await vendor.put({
      ref,
      zip,
      description: members.Description,
      licenseInfo: members.LicenseInfo,
      compatibleRuntimes: members.CompatibleRuntimes,
      compatibleArchitectures: members.CompatibleArchitectures,
      createdDate: members.CreatedDate,
      expectedCodeSha256: members.CodeSha256,
      whenDifferent: url.searchParams.get("force") === "true" ? "replace" : "refuse",
      // Whoever imports it runs functions in their own accounts: the version is readable by every account there,
      // as the upstream let the importer read it.
      public: true,
    });
    const v = result.version;
    writeJson(
      res,
      result.outcome === "created" ? 201 : 200,
      {
        Outcome: result.outcome,
        LayerVersionArn: layerVersionArn(ref),
        Version: v.version,
        CodeSha256: codeSha256Of(v.sha256Hex),
        CodeSize: v.codeSize,
      },
      requestId,
    );
  } catch (err) {
    if (err instanceof LambdaError) {
      req.resume();
      writeError(res, err, requestId);
      return;
    }
    throw err;
  }
}

function readMembers(req: IncomingMessage): ImportMembers {
  const header = req.headers[LAYER_VERSION_HEADER];
  if (typeof header !== "string") {
    throw new InvalidParameterValueException(IMPORT_MESSAGES.badMembers("the header is missing"));
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(header, "base64").toString("utf8"));
  } catch {
    throw new InvalidParameterValueException(IMPORT_MESSAGES.badMembers("it is not base64 of JSON"));
  }
  const parsed = Members.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "value"}: ${i.message}`);
    throw new InvalidParameterValueException(IMPORT_MESSAGES.badMembers(problems.join("; ")));
  }
  return parsed.data;
}
