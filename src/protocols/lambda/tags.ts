/** TagResource, UntagResource and ListTags on the wire (`docs/reference/aws-deploy-api.md` §6). */
import { TAGGABLE_RESOURCE_PATTERN, type TagService } from "../../domain/functions/tags.js";
import { Violations } from "../../validation.js";
import { stringMapMember } from "./members.js";
import type { Call, Handler } from "./types.js";

/** The operations this module serves. */
export type TagOperation = "TagResource" | "UntagResource" | "ListTags";

/** The Resource label, checked against the server's pattern into `v`. */
function resource(v: Violations, call: Call): string {
  const arn = call.params.Resource ?? "";
  v.string(arn, "resource", { max: 256, min: 1, pattern: TAGGABLE_RESOURCE_PATTERN });
  return arn;
}

/** Handlers for the tag operations. */
export function tagHandlers(tags: TagService): Record<TagOperation, Handler> {
  return {
    TagResource: async (call) => {
      const v = new Violations();
      const arn = resource(v, call);
      const given = stringMapMember(call.body, "Tags");
      v.required(given, "tags");
      v.throwIfAny();
      await tags.tag(call.ctx, arn, given ?? {});
      return { status: 204 };
    },

    UntagResource: async (call) => {
      const v = new Violations();
      const arn = resource(v, call);
      const keys = call.query.getAll("tagKeys");
      // No tagKeys in the query is a null member (§6 #59).
      v.required(keys.length > 0 ? keys : undefined, "tagKeys");
      v.throwIfAny();
      await tags.untag(call.ctx, arn, keys);
      return { status: 204 };
    },

    ListTags: async (call) => {
      const v = new Violations();
      const arn = resource(v, call);
      v.throwIfAny();
      return { body: { Tags: await tags.list(call.ctx, arn) } };
    },
  };
}
