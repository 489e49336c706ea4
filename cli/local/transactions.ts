/**
 * Gives the emulator's DynamoDB transactions the isolation DynamoDB's have.
 *
 * moto 5.2.1 copies a whole table before TransactWriteItems and, when the transaction is
 * cancelled (a condition failed: the responder's way of turning a duplicate finding away),
 * puts that copy back — erasing whatever other requests wrote to the table meanwhile: the
 * winning transaction's incident, a step's claim or its end. DynamoDB changes nothing when it
 * cancels a transaction. So, locally, a transaction runs alone: DynamoDB calls wait while one
 * is in flight, and it waits for the ones in flight (a readers–writer lock on this process's
 * calls, through the gate of the hooks their clients feed; transactions go first).
 *
 * moto's single-item writes are not atomic either: two conditional UpdateItem calls on one item,
 * handled by two of its threads at once, can both pass their condition (a cap's counter then
 * goes past the cap on a loaded machine). DynamoDB applies each write atomically. So, locally,
 * single-item writes also run one at a time (beside reads, which they do not disturb).
 */
import type { CallHooks } from "./instrument.ts";

/**
 * Installs the lock as the gate of `hooks` (the clients built with their middleware pass it);
 * returns the function that removes it. Only for the local emulator.
 */
export function isolateEmulatorTransactions(hooks: CallHooks): () => void {
  let readers = 0;
  let writing = false;
  let transacting = false;
  let transactionsWaiting = 0;
  let waiting: (() => void)[] = [];
  const wake = () => {
    const all = waiting;
    waiting = [];
    for (const w of all) w();
  };
  /** May a call of this kind start now? Transactions wait for everything; nothing starts while one waits. */
  const blocked = (kind: Kind) =>
    kind === "transaction"
      ? transacting || writing || readers > 0
      : transacting || transactionsWaiting > 0 || (kind === "write" && writing);
  const acquire = async (kind: Kind): Promise<() => void> => {
    if (kind === "transaction") transactionsWaiting++;
    while (blocked(kind)) await new Promise<void>((resolve) => waiting.push(resolve));
    if (kind === "transaction") {
      transactionsWaiting--;
      transacting = true;
    } else if (kind === "write") writing = true;
    else readers++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (kind === "transaction") transacting = false;
      else if (kind === "write") writing = false;
      else readers--;
      wake();
    };
  };
  hooks.gate = (service, operation) => (service === "DynamoDB" ? acquire(kindOf(operation)) : undefined);
  return () => {
    hooks.gate = undefined;
    wake();
  };
}

type Kind = "transaction" | "write" | "read";

/** How a DynamoDB operation takes the lock. */
function kindOf(operation: string): Kind {
  if (operation === "TransactWriteItems") return "transaction";
  return ["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"].includes(operation) ? "write" : "read";
}
