/**
 * One synchronous run of a function, shared by every door a request comes in at (the Invoke operation, function
 * URLs): the function's reserved concurrency is taken first (429 beyond it, `docs/reference/aws-deploy-api.md`
 * §8 #66), then the executor runs it; a runtime lamina cannot start and damaged code become AWS's answers for
 * them, as does a hot-reload folder that is gone (`docs/reference/aws-lambda-execution.md` §A7).
 */
import { functionArn, partitionOf } from "../../arn.js";
import { InvalidRuntimeException, InvalidZipFileException } from "../../errors.js";
import {
  DamagedCodeError,
  MissingFolderError,
  type Executor,
  type InvokeResult,
} from "../../execution/executor.js";
import { RuntimeUnavailableError } from "../../execution/runtimes.js";
import type { FunctionVersion } from "../../storage/types.js";
import type { ConcurrencyService } from "../functions/concurrency.js";
import type { ConcurrencyGate } from "./concurrency-gate.js";

/** What a run gives back: the function's answer, whether it is an error, and its log. */
export type RunResult = Pick<InvokeResult, "payload" | "functionError" | "log">;

/** The Invoke error for a function whose stored code or layer no longer matches its SHA-256. */
export function damagedCodeMessage(functionArn: string, err: DamagedCodeError): string {
  const what = err.layerArn === undefined ? `the code of function ${functionArn}` : `layer ${err.layerArn}`;
  return `Lambda could not unzip the deployment package: the stored bytes of ${what} are damaged (blob ${err.sha256Hex} no longer matches its SHA-256).`;
}

/** lamina's own Invoke error for folder code (the development loop) whose folder is gone; AWS has no folders. */
export function missingFolderMessage(functionArn: string, err: MissingFolderError): string {
  const what = err.layerArn === undefined ? `the code of function ${functionArn}` : `layer ${err.layerArn}`;
  return `Lambda could not read the deployment package: ${err.folder}, the hot-reload folder of ${what}, does not exist. Invokes work again once it is back.`;
}

/** The ARN of `fn`, qualified when `qualifier` is given. */
function arnOf(fn: FunctionVersion, qualifier?: string): string {
  return functionArn(
    { partition: partitionOf(fn.region), region: fn.region, accountId: fn.accountId, name: fn.name },
    qualifier,
  );
}

/** Runs invocations within each function's reserved concurrency. */
export class Invoker {
  constructor(
    private readonly executor: Executor,
    private readonly concurrency: ConcurrencyService,
    private readonly gate: ConcurrencyGate,
  ) {}

  /**
   * Runs `fn` once with `payload` under `requestId`; `qualifier` is the one the caller named (it shows in the
   * invoked function ARN the function sees).
   */
  async run(
    fn: FunctionVersion,
    qualifier: string | undefined,
    requestId: string,
    payload: Buffer,
    clientContext?: string,
  ): Promise<RunResult> {
    const release = this.gate.enter(fn, await this.concurrency.reservedFor(fn));
    try {
      return await this.executor.invoke(fn, {
        requestId,
        payload,
        clientContext,
        invokedFunctionArn: arnOf(fn, qualifier),
      });
    } catch (err) {
      if (err instanceof RuntimeUnavailableError && err.errorType === "Runtime.InvalidEntrypoint") {
        const body = {
          errorType: err.errorType,
          errorMessage: `RequestId: ${requestId} Error: ${err.message}`,
        };
        return { payload: Buffer.from(JSON.stringify(body)), functionError: true, log: "" };
      }
      if (err instanceof RuntimeUnavailableError) {
        throw new InvalidRuntimeException(err.message);
      }
      if (err instanceof DamagedCodeError) {
        throw new InvalidZipFileException(damagedCodeMessage(arnOf(fn), err));
      }
      if (err instanceof MissingFolderError) {
        throw new InvalidZipFileException(missingFolderMessage(arnOf(fn), err));
      }
      throw err;
    } finally {
      release();
    }
  }
}
