/** The alias operations on the wire (`docs/reference/aws-deploy-api.md` §4): members, validation, shapes. */
import { Constraint, Violations, matchesPattern } from "../../validation.js";
import { InvalidRequestContentException } from "../../errors.js";
import type { AliasInput, AliasService, AliasView } from "../../domain/functions/aliases.js";
import { checkFunctionName } from "../../domain/functions/validate.js";
import type { Alias } from "../../storage/types.js";
import { arnOf } from "./function-shapes.js";
import { stringMember, structureMember } from "./members.js";
import type { Call, Handler } from "./types.js";
import { maxItemsOf } from "./members.js";

/** The operations this module serves. */
export type AliasOperation = "CreateAlias" | "GetAlias" | "ListAliases" | "UpdateAlias" | "DeleteAlias";

/** The model's `Alias` shape: 1..128, not all digits. */
const ALIAS_NAME_PATTERN = "(?!^[0-9]+$)([a-zA-Z0-9-_]+)";
/** The model's `VersionWithLatestPublished`. */
const FUNCTION_VERSION_PATTERN = "(\\$LATEST(\\.PUBLISHED)?|[0-9]+)";
const WEIGHTS_MEMBER = "routingConfig.additionalVersionWeights";

/** AliasConfiguration as AWS answers it (§4.1): RoutingConfig only when there is routing. */
export function toAliasWire(
  view: AliasView | { fn: AliasView["fn"]; alias: Alias },
): Record<string, unknown> {
  const { fn, alias } = view;
  return {
    AliasArn: arnOf(fn, alias.name),
    Name: alias.name,
    FunctionVersion: alias.functionVersion,
    Description: alias.description,
    ...(alias.additionalVersionWeights && {
      RoutingConfig: { AdditionalVersionWeights: { ...alias.additionalVersionWeights } },
    }),
    RevisionId: alias.revisionId,
  };
}

/** A double as Java prints it in AWS's messages: `2.0`, `0.5`, `-1.0`. */
function javaDouble(n: number): string {
  return Number.isInteger(n) ? n.toFixed(1) : String(n);
}

/** `RoutingConfig.AdditionalVersionWeights`, checked as the model's map constraints (§4.3 #36, #37). */
function readWeights(v: Violations, body: Call["body"]): Record<string, number> | undefined {
  const routing = structureMember(body, "RoutingConfig");
  const map = routing && structureMember(routing, "AdditionalVersionWeights");
  if (!map) {
    return undefined;
  }
  const weights: Record<string, number> = {};
  for (const [key, value] of Object.entries(map)) {
    if (typeof value !== "number") {
      throw new InvalidRequestContentException(
        "Could not parse request body into json: Could not parse payload into json: AdditionalVersionWeights must be a map of numbers",
      );
    }
    weights[key] = value;
  }
  const shown = `{${Object.entries(weights)
    .map(([k, w]) => `${k}=${javaDouble(w)}`)
    .join(", ")}}`;
  const badKey = Object.keys(weights).some(
    (k) => k.length < 1 || k.length > 1024 || !matchesPattern(k, "[0-9]+"),
  );
  if (badKey) {
    v.add(
      shown,
      WEIGHTS_MEMBER,
      `Map keys must satisfy constraint: [${Constraint.maxLength(1024)}, ${Constraint.minLength(1)}, ${Constraint.pattern("[0-9]+")}]`,
    );
  }
  if (Object.values(weights).some((w) => w < 0 || w > 1)) {
    v.add(
      shown,
      WEIGHTS_MEMBER,
      `Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, ${Constraint.notNull}]`,
    );
  }
  return weights;
}

/** The members CreateAlias and UpdateAlias share, checked into `v`. */
function readAlias(v: Violations, call: Call): AliasInput {
  const functionVersion = stringMember(call.body, "FunctionVersion");
  v.string(functionVersion, "functionVersion", { max: 1024, min: 1, pattern: FUNCTION_VERSION_PATTERN });
  const description = stringMember(call.body, "Description");
  v.string(description, "description", { max: 256, min: 0 });
  return { functionVersion, description, weights: readWeights(v, call.body) };
}

/** The FunctionName label and an alias name (from the path or the body), checked into `v`. */
function names(v: Violations, call: Call, aliasName: string | undefined): { name: string; alias: string } {
  const name = call.params.FunctionName ?? "";
  checkFunctionName(v, name);
  if (v.required(aliasName, "name")) {
    v.string(aliasName, "name", { max: 128, min: 1, pattern: ALIAS_NAME_PATTERN });
  }
  return { name, alias: aliasName ?? "" };
}

/** Handlers for the alias operations. */
export function aliasHandlers(aliases: AliasService): Record<AliasOperation, Handler> {
  return {
    CreateAlias: async (call) => {
      const v = new Violations();
      const { name, alias } = names(v, call, stringMember(call.body, "Name"));
      const input = readAlias(v, call);
      v.required(input.functionVersion, "functionVersion");
      v.throwIfAny();
      return { body: toAliasWire(await aliases.create(call.ctx, name, alias, input)) };
    },

    GetAlias: async (call) => {
      const v = new Violations();
      const { name, alias } = names(v, call, call.params.Name);
      v.throwIfAny();
      return { body: toAliasWire(await aliases.get(call.ctx, name, alias)) };
    },

    ListAliases: async (call) => {
      const name = call.params.FunctionName ?? "";
      const v = new Violations();
      checkFunctionName(v, name);
      const functionVersion = call.query.get("FunctionVersion") ?? undefined;
      v.string(functionVersion, "functionVersion", { max: 1024, min: 1, pattern: FUNCTION_VERSION_PATTERN });
      const maxItems = maxItemsOf(v, call);
      v.throwIfAny();
      const page = await aliases.list(
        call.ctx,
        name,
        functionVersion,
        call.query.get("Marker") ?? undefined,
        maxItems,
      );
      return {
        body: {
          Aliases: page.items.map((alias) => toAliasWire({ fn: page.fn, alias })),
          NextMarker: page.nextMarker,
        },
      };
    },

    UpdateAlias: async (call) => {
      const v = new Violations();
      const { name, alias } = names(v, call, call.params.Name);
      const input = readAlias(v, call);
      v.throwIfAny();
      const view = await aliases.update(call.ctx, name, alias, {
        ...input,
        revisionId: stringMember(call.body, "RevisionId"),
      });
      return { body: toAliasWire(view) };
    },

    DeleteAlias: async (call) => {
      const v = new Violations();
      const { name, alias } = names(v, call, call.params.Name);
      v.throwIfAny();
      await aliases.delete(call.ctx, name, alias);
      return { status: 204 };
    },
  };
}
