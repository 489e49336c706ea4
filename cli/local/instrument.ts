/**
 * Instrumentation of SDK clients outside Lambda: records every AWS call (service, operation,
 * start, end, error, signer) so that drills and benchmarks can count calls and sequential
 * rounds, and lets tests fail a call, hold it back, or change what it answers. It is
 * middleware ({@link CallHooks.middleware}) that the local runner, the bench and the tests
 * put on the clients they build (`ClientOptions.middleware`); a deployed function's clients
 * carry none.
 */
import type { ClientMiddleware } from "../../shared/aws/clients.ts";

/** One AWS call as seen by the client. */
export interface CallRecord {
  /** Who made it: the function whose invocation was running, when known. */
  scope?: string;
  service: string;
  operation: string;
  start: number;
  end: number;
  error?: string;
  /** The command's input, as given to the client (read it, never change it). */
  input?: Record<string, unknown>;
  /** The access key id that signed it: tells an assumed member role's session from the function's own. */
  accessKeyId?: string;
}

/**
 * Decides whether to fail a call before it is sent (tests only). Called once per attempt,
 * with the scope of the invocation making it (undefined outside the runner) and its input.
 */
export type FaultInjector = (
  service: string,
  operation: string,
  scope: string | undefined,
  input: Record<string, unknown> | undefined,
) => Error | undefined;

/**
 * Holds a call back until it may go (local runs only): resolves to the function that lets the
 * next ones go once the call has been answered, or undefined to let it go at once.
 */
export type CallGate = (service: string, operation: string) => Promise<() => void> | undefined;

/**
 * Changes what a call answered before the caller reads it (tests only): receives the parsed
 * output and returns the one the caller gets (the same object, changed, or another). Called
 * once per answered attempt, with the scope of the invocation making it.
 */
export type AnswerRewriter = (
  service: string,
  operation: string,
  scope: string | undefined,
  output: Record<string, unknown>,
) => Record<string, unknown>;

/**
 * The hooks of one local responder (a session, a bench run, a test): each is off until set,
 * and may be set or cleared at any time; every client built with this object's middleware
 * consults them on each call.
 */
export class CallHooks {
  /** Receives every answered or failed call. */
  recorder?: ((call: CallRecord) => void) | undefined;
  /** Fails a call attempt before it is sent; injected errors go through the SDK's retry logic. */
  fault?: FaultInjector | undefined;
  /** Every call attempt passes it before it is sent. */
  gate?: CallGate | undefined;
  /** Rewrites the answers calls receive. */
  answer?: AnswerRewriter | undefined;

  /**
   * The middleware that feeds these hooks, for `ClientOptions.middleware`: every call of a
   * client built with it is attributed to `scope` (the function whose runtime built the
   * client, for the local runner; undefined for the caller's own clients).
   */
  middleware(scope?: string): ClientMiddleware {
    const hooks = this;
    return {
      // biome-ignore lint/suspicious/noExplicitAny: the SDK's middleware types differ per client
      applyToStack(stack: any) {
        stack.add(
          // biome-ignore lint/suspicious/noExplicitAny: generic middleware signature
          (next: any, context: any) => async (args: any) => {
            const service = String(context.clientName ?? "").replace(/Client$/, "");
            const operation = String(context.commandName ?? "").replace(/Command$/, "");
            const start = Date.now();
            const input = args?.input as Record<string, unknown> | undefined;
            // Set by the SDK while signing (the same context object), read once the call is answered.
            const signer = (): { accessKeyId?: string } =>
              context?.__smithy_context?.selectedHttpAuthScheme?.identity?.accessKeyId
                ? {
                    accessKeyId: String(context.__smithy_context.selectedHttpAuthScheme.identity.accessKeyId),
                  }
                : {};
            try {
              const out = await next(args);
              hooks.recorder?.({ scope, service, operation, start, end: Date.now(), input, ...signer() });
              return out;
            } catch (err) {
              hooks.recorder?.({
                scope,
                service,
                operation,
                start,
                end: Date.now(),
                error: (err as Error).name,
                input,
                ...signer(),
              });
              throw err;
            }
          },
          { step: "initialize", name: "responderCallRecorder", override: true },
        );
        stack.add(
          // Inside the retry loop: an injected error is retried like a real one.
          // biome-ignore lint/suspicious/noExplicitAny: generic middleware signature
          (next: any, context: any) => async (args: any) => {
            const service = String(context.clientName ?? "").replace(/Client$/, "");
            const operation = String(context.commandName ?? "").replace(/Command$/, "");
            const fault = hooks.fault?.(
              service,
              operation,
              scope,
              args?.input as Record<string, unknown> | undefined,
            );
            if (fault) throw fault;
            const release = await hooks.gate?.(service, operation);
            try {
              const result = await next(args);
              const rewrite = hooks.answer;
              return rewrite && result?.output
                ? { ...result, output: rewrite(service, operation, scope, result.output) }
                : result;
            } finally {
              release?.();
            }
          },
          { step: "finalizeRequest", priority: "low", name: "responderFaultInjector", override: true },
        );
      },
    };
  }
}
