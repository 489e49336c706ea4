/**
 * Optional instrumentation of SDK clients: records every AWS call (service, operation,
 * start, end, error) so that drills and benchmarks can count calls and sequential rounds.
 * Also the hook for fault injection in tests: failing a call, holding it back, or changing
 * what it answers. Off unless a hook is installed.
 */
import { AsyncLocalStorage } from "node:async_hooks";

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

interface Hooks {
  recorder?: (call: CallRecord) => void;
  fault?: FaultInjector;
  gate?: CallGate;
  answer?: AnswerRewriter;
}

const hooks: Hooks = {};
const scopes = new AsyncLocalStorage<string>();

/** Runs `fn` with every AWS call inside it attributed to `scope` (e.g. a function name). */
export function withCallScope<T>(scope: string, fn: () => Promise<T>): Promise<T> {
  return scopes.run(scope, fn);
}

/** Installs (or removes, with undefined) the process-wide call recorder. */
export function setCallRecorder(recorder: ((call: CallRecord) => void) | undefined): void {
  hooks.recorder = recorder;
}

/** Installs (or removes) a fault injector. Injected errors go through the SDK's retry logic. */
export function setFaultInjector(fault: FaultInjector | undefined): void {
  hooks.fault = fault;
}

/** Installs (or removes) a gate every call attempt passes before it is sent. */
export function setCallGate(gate: CallGate | undefined): void {
  hooks.gate = gate;
}

/** Installs (or removes) a rewriter of the answers calls receive. */
export function setAnswerRewriter(answer: AnswerRewriter | undefined): void {
  hooks.answer = answer;
}

interface MiddlewareStackLike {
  // biome-ignore lint/suspicious/noExplicitAny: the SDK's middleware types differ per client
  add(mw: any, opts: any): void;
}

/** Adds the recording and fault-injection middleware to a client; returns the client. */
export function instrument<T extends { middlewareStack: MiddlewareStackLike }>(client: T): T {
  client.middlewareStack.add(
    // biome-ignore lint/suspicious/noExplicitAny: generic middleware signature
    (next: any, context: any) => async (args: any) => {
      const service = String(context.clientName ?? "").replace(/Client$/, "");
      const operation = String(context.commandName ?? "").replace(/Command$/, "");
      const start = Date.now();
      const scope = scopes.getStore();
      const input = args?.input as Record<string, unknown> | undefined;
      // Set by the SDK while signing (the same context object), read once the call is answered.
      const signer = (): { accessKeyId?: string } =>
        context?.__smithy_context?.selectedHttpAuthScheme?.identity?.accessKeyId
          ? { accessKeyId: String(context.__smithy_context.selectedHttpAuthScheme.identity.accessKeyId) }
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
  client.middlewareStack.add(
    // Inside the retry loop: an injected error is retried like a real one.
    // biome-ignore lint/suspicious/noExplicitAny: generic middleware signature
    (next: any, context: any) => async (args: any) => {
      const service = String(context.clientName ?? "").replace(/Client$/, "");
      const operation = String(context.commandName ?? "").replace(/Command$/, "");
      const fault = hooks.fault?.(
        service,
        operation,
        scopes.getStore(),
        args?.input as Record<string, unknown> | undefined,
      );
      if (fault) throw fault;
      const release = await hooks.gate?.(service, operation);
      try {
        const result = await next(args);
        const rewrite = hooks.answer;
        return rewrite && result?.output
          ? { ...result, output: rewrite(service, operation, scopes.getStore(), result.output) }
          : result;
      } finally {
        release?.();
      }
    },
    { step: "finalizeRequest", priority: "low", name: "responderFaultInjector", override: true },
  );
  return client;
}
