/** AddPermission, GetPolicy and RemovePermission on the wire (`docs/reference/aws-deploy-api.md` §2, §5). */
import type { FunctionPermissionService } from "../../domain/functions/permissions.js";
import { checkNamespacedFunctionName } from "../../domain/functions/validate.js";
import { Constraint, Violations } from "../../validation.js";
import { booleanMember, stringMember } from "./members.js";
import type { Call, Handler } from "./types.js";

/** The operations this module serves. */
export type PermissionOperation = "AddPermission" | "GetPolicy" | "RemovePermission";

// The model's patterns (botocore `lambda/2015-03-31`), quoted as AWS quotes them in ValidationExceptions.
const STATEMENT_ID_PATTERN = "([a-zA-Z0-9-_]+)";
const REMOVE_STATEMENT_ID_PATTERN = "([a-zA-Z0-9-_.]+)";
const ACTION_PATTERN = "(lambda:[*]|lambda:[a-zA-Z]+|[*])";
const PRINCIPAL_PATTERN = "[^\\s]+";
const SOURCE_ARN_PATTERN =
  "arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}(-gov)?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)";
const SOURCE_ACCOUNT_PATTERN = "\\d{12}";
const EVENT_SOURCE_TOKEN_PATTERN = "[a-zA-Z0-9._\\-]+";
const ORG_ID_PATTERN = "o-[a-z0-9]{10,32}";
const URL_AUTH_TYPES = ["NONE", "AWS_IAM"] as const;

/** FunctionName and Qualifier, checked into `v`. */
function addressed(call: Call, v: Violations): { name: string; qualifier: string | undefined } {
  const name = call.params.FunctionName ?? "";
  const qualifier = call.query.get("Qualifier") ?? undefined;
  checkNamespacedFunctionName(v, name, qualifier);
  return { name, qualifier };
}

/** Handlers for the function policy operations. */
export function permissionHandlers(
  permissions: FunctionPermissionService,
): Record<PermissionOperation, Handler> {
  return {
    AddPermission: async (call) => {
      const v = new Violations();
      const { name, qualifier } = addressed(call, v);
      const statementId = stringMember(call.body, "StatementId");
      const action = stringMember(call.body, "Action");
      const principal = stringMember(call.body, "Principal");
      const sourceArn = stringMember(call.body, "SourceArn");
      const sourceAccount = stringMember(call.body, "SourceAccount");
      const eventSourceToken = stringMember(call.body, "EventSourceToken");
      const principalOrgId = stringMember(call.body, "PrincipalOrgID");
      const functionUrlAuthType = stringMember(call.body, "FunctionUrlAuthType");
      booleanMember(call.body, "InvokedViaFunctionUrl");
      if (v.required(statementId, "statementId")) {
        v.string(statementId, "statementId", { max: 100, min: 1, pattern: STATEMENT_ID_PATTERN });
      }
      if (v.required(action, "action")) {
        v.string(action, "action", { pattern: ACTION_PATTERN });
      }
      if (v.required(principal, "principal")) {
        v.string(principal, "principal", { pattern: PRINCIPAL_PATTERN });
      }
      v.string(sourceArn, "sourceArn", { pattern: SOURCE_ARN_PATTERN });
      v.string(sourceAccount, "sourceAccount", { max: 12, min: 0, pattern: SOURCE_ACCOUNT_PATTERN });
      v.string(eventSourceToken, "eventSourceToken", {
        max: 256,
        min: 0,
        pattern: EVENT_SOURCE_TOKEN_PATTERN,
      });
      v.string(principalOrgId, "principalOrgID", { max: 34, min: 12, pattern: ORG_ID_PATTERN });
      if (
        functionUrlAuthType !== undefined &&
        !(URL_AUTH_TYPES as readonly string[]).includes(functionUrlAuthType)
      ) {
        v.add(functionUrlAuthType, "functionUrlAuthType", Constraint.enumSet(URL_AUTH_TYPES));
      }
      v.throwIfAny();
      const added = await permissions.add(call.ctx, name, qualifier, {
        statementId: statementId ?? "",
        action: action ?? "",
        principal: principal ?? "",
        sourceArn,
        sourceAccount,
        eventSourceToken,
        principalOrgId,
        functionUrlAuthType,
        revisionId: stringMember(call.body, "RevisionId"),
      });
      return { body: { Statement: added.statement } };
    },

    GetPolicy: async (call) => {
      const v = new Violations();
      const { name, qualifier } = addressed(call, v);
      v.throwIfAny();
      const result = await permissions.get(call.ctx, name, qualifier);
      return { body: { Policy: result.policy, RevisionId: result.revisionId } };
    },

    RemovePermission: async (call) => {
      const v = new Violations();
      const { name, qualifier } = addressed(call, v);
      const statementId = call.params.StatementId ?? "";
      v.string(statementId, "statementId", { max: 100, min: 1, pattern: REMOVE_STATEMENT_ID_PATTERN });
      v.throwIfAny();
      await permissions.remove(
        call.ctx,
        name,
        qualifier,
        statementId,
        call.query.get("RevisionId") ?? undefined,
      );
      return {};
    },
  };
}
