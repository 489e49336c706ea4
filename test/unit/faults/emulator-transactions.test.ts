/**
 * The emulator's DynamoDB transactions, made isolated (cli/local/transactions.ts): while a
 * TransactWriteItems is in flight no other DynamoDB call is, and it waits for the ones already
 * in flight; other calls run side by side. Checked at the HTTP handler of real SDK clients.
 */
import { Readable } from "node:stream";
import {
  DynamoDBClient,
  GetItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { afterEach, describe, expect, it } from "vitest";
import { CallHooks } from "../../../cli/local/instrument.ts";
import { isolateEmulatorTransactions } from "../../../cli/local/transactions.ts";

/** A DynamoDB client whose requests take `ms` each and are logged with what else was in flight. */
function slowClient(log: { op: string; alongside: string[] }[], inFlight: Set<string>, ms = 30) {
  const client = new DynamoDBClient({
    region: "us-east-1",
    credentials: { accessKeyId: "a", secretAccessKey: "b" },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { headers: Record<string, string> }) => {
        const op = String(request.headers["x-amz-target"] ?? "").split(".")[1] ?? "?";
        const id = `${op}#${log.length}`;
        log.push({ op, alongside: [...inFlight] });
        inFlight.add(id);
        await new Promise((r) => setTimeout(r, ms));
        inFlight.delete(id);
        return {
          response: {
            statusCode: 200,
            headers: { "content-type": "application/x-amz-json-1.0" },
            body: Readable.from([Buffer.from("{}")]),
          },
        };
      },
    } as never,
  });
  client.middlewareStack.use(hooks.middleware());
  return client;
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

/** The hooks the test's clients feed (as the local runner's do). */
const hooks = new CallHooks();

const get = () => new GetItemCommand({ TableName: "t", Key: { pk: { S: "a" } } });
const transact = () =>
  new TransactWriteItemsCommand({
    TransactItems: [
      { Put: { TableName: "t", Item: { pk: { S: "a" } }, ConditionExpression: "attribute_not_exists(pk)" } },
    ],
  });

const update = () =>
  new UpdateItemCommand({
    TableName: "t",
    Key: { pk: { S: "cap" } },
    UpdateExpression: "ADD n :one",
    ConditionExpression: "attribute_not_exists(n) OR n < :cap",
    ExpressionAttributeValues: { ":one": { N: "1" }, ":cap": { N: "3" } },
  });

describe("isolated emulator transactions", () => {
  let remove: (() => void) | undefined;
  afterEach(() => remove?.());

  it("runs a transaction alone, and other calls side by side", async () => {
    // Arrange
    remove = isolateEmulatorTransactions(hooks);
    const log: { op: string; alongside: string[] }[] = [];
    const client = slowClient(log, new Set());

    // Act: reads, transactions and reads, all at once
    await Promise.all([
      client.send(get()),
      client.send(get()),
      client.send(transact()),
      client.send(transact()),
      client.send(get()),
      client.send(get()),
    ]);

    // Assert
    expect(log).toHaveLength(6);
    for (const entry of log.filter((e) => e.op === "TransactWriteItems")) expect(entry.alongside).toEqual([]);
    for (const entry of log.filter((e) => e.op === "GetItem"))
      expect(entry.alongside.some((a) => a.startsWith("TransactWriteItems"))).toBe(false);
    // Reads did overlap each other: the lock is not a plain mutex.
    expect(log.some((e) => e.op === "GetItem" && e.alongside.some((a) => a.startsWith("GetItem")))).toBe(
      true,
    );
  });

  it("runs single-item writes alone too (moto's are not atomic), reads side by side", async () => {
    // Arrange
    remove = isolateEmulatorTransactions(hooks);
    const log: { op: string; alongside: string[] }[] = [];
    const client = slowClient(log, new Set());

    // Act: a burst of conditional updates of one counter, with reads
    await Promise.all([
      ...Array.from({ length: 5 }, () => client.send(update())),
      client.send(get()),
      client.send(get()),
    ]);

    // Assert
    const updates = log.filter((e) => e.op === "UpdateItem");
    expect(updates).toHaveLength(5);
    for (const entry of updates) expect(entry.alongside).toEqual([]);
    for (const entry of log.filter((e) => e.op === "GetItem"))
      expect(entry.alongside.some((a) => a.startsWith("UpdateItem"))).toBe(false);
  });

  it("lets everything through at once once removed", async () => {
    remove = isolateEmulatorTransactions(hooks);
    remove();
    const log: { op: string; alongside: string[] }[] = [];
    const client = slowClient(log, new Set());

    await Promise.all([client.send(transact()), client.send(transact()), client.send(get())]);

    expect(log.filter((e) => e.alongside.length > 0).length).toBeGreaterThan(0);
  });
});
