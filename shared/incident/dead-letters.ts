/**
 * Dead letters: events that could not be handled, kept 90 days for people to list
 * (`responder deadletters`), newest first.
 */
import { PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { DEAD_LETTERS, deadLetterKey } from "./keys.ts";
import type { DeadLetter, DeadLetters } from "./ports.ts";
import type { IncidentTable } from "./table.ts";

/** How long a dead letter is kept. */
const DEAD_LETTER_TTL_S = 90 * 86400;

/** DynamoDB implementation of {@link DeadLetters}. */
export class DynamoDeadLetters implements DeadLetters {
  constructor(private readonly table: IncidentTable) {}

  async deadLetter(letter: DeadLetter): Promise<void> {
    await this.table.ddb.send(
      new PutCommand({
        TableName: this.table.name,
        Item: {
          ...deadLetterKey(letter.at, letter.id),
          ...letter,
          expiresAt: Math.floor(Date.now() / 1000) + DEAD_LETTER_TTL_S,
        },
      }),
    );
  }

  async listDeadLetters(limit = 50): Promise<DeadLetter[]> {
    const out = await this.table.ddb.send(
      new QueryCommand({
        TableName: this.table.name,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": DEAD_LETTERS },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map(({ pk: _pk, sk: _sk, expiresAt: _e, ...rest }) => rest as DeadLetter);
  }
}
