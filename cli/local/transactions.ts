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
 * goes past the cap on a loaded machine), and a Query iterating a table while another thread
 * writes to it fails with a 500 ("dictionary changed size during iteration"). DynamoDB applies
 * each write atomically and reads beside it. So, locally, every write runs alone, as a
 * transaction does; reads run side by side.
 */
import type { CallHooks } from "./instrument.ts";

/**
 * Installs the lock as the gate of `hooks` (the clients built with their middleware pass it);
 * returns the function that removes it. Only for the local emulator.
 */
export function isolateEmulatorTransactions(hooks: CallHooks): () => void {
  let readers = 0;
  let writer = false;
  let writersWaiting = 0;
  let waiting: (() => void)[] = [];
  const wake = () => {
    const all = waiting;
    waiting = [];
    for (const w of all) w();
  };
  const acquire = async (exclusive: boolean): Promise<() => void> => {
    if (exclusive) writersWaiting++;
    while (exclusive ? writer || readers > 0 : writer || writersWaiting > 0) {
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
    if (exclusive) {
      writersWaiting--;
      writer = true;
    } else readers++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (exclusive) writer = false;
      else readers--;
      wake();
    };
  };
  hooks.gate = (service, operation) => (service === "DynamoDB" ? acquire(WRITES.has(operation)) : undefined);
  return () => {
    hooks.gate = undefined;
    wake();
  };
}

/** The DynamoDB operations that run alone locally: transactions and every single-item write. */
const WRITES = new Set(["TransactWriteItems", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"]);
