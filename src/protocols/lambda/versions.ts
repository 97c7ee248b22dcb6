/** PublishVersion and ListVersionsByFunction on the wire (`docs/reference/aws-deploy-api.md` §3). */
import { Violations } from "../../validation.js";
import type { FunctionService } from "../../domain/functions/service.js";
import { checkFunctionName, checkNamespacedFunctionName } from "../../domain/functions/validate.js";
import { toConfigurationWire } from "./function-shapes.js";
import { maxItemsOf, stringMember } from "./members.js";
import type { Handler } from "./types.js";

/** The operations this module serves. */
export type VersionOperation = "PublishVersion" | "ListVersionsByFunction";

/** Handlers for the version operations. */
export function versionHandlers(functions: FunctionService): Record<VersionOperation, Handler> {
  return {
    PublishVersion: async (call) => {
      const name = call.params.FunctionName ?? "";
      const v = new Violations();
      checkFunctionName(v, name);
      const description = stringMember(call.body, "Description");
      v.string(description, "description", { max: 256, min: 0 });
      const publishTo = stringMember(call.body, "PublishTo");
      if (publishTo !== undefined && publishTo !== "LATEST_PUBLISHED") {
        v.add(publishTo, "publishTo", "Member must satisfy enum value set: [LATEST_PUBLISHED]");
      }
      v.throwIfAny();
      const fn = await functions.versions.publish(call.ctx, name, {
        codeSha256: stringMember(call.body, "CodeSha256"),
        description,
        revisionId: stringMember(call.body, "RevisionId"),
      });
      // §3.1 #1: the new version, qualified, already Active.
      return { body: toConfigurationWire(fn, "read", fn.qualifier) };
    },

    ListVersionsByFunction: async (call) => {
      const name = call.params.FunctionName ?? "";
      const v = new Violations();
      checkNamespacedFunctionName(v, name, undefined);
      const maxItems = maxItemsOf(v, call);
      v.throwIfAny();
      const page = await functions.versions.list(
        call.ctx,
        name,
        call.query.get("Marker") ?? undefined,
        maxItems,
      );
      return {
        body: {
          // §3.3 #15: items without state members, each under its qualified ARN.
          Versions: page.items.map((fn) => toConfigurationWire(fn, "listed", fn.qualifier)),
          NextMarker: page.nextMarker,
        },
      };
    },
  };
}
