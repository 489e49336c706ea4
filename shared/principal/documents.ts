/**
 * The policy documents containment writes on principals, and their names: one inline policy per
 * incident, so that release deletes exactly what this incident added. Pure.
 */

/** The inline policy's name on a contained principal: after the incident, within IAM's grammar. */
export function denyPolicyName(incidentId: string): string {
  return `incident-responder-deny-${incidentId}`;
}

/** Deny everything: what a contained user can still do is nothing. */
export function userDenyDocument(incidentId: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: sidOf(incidentId), Effect: "Deny", Action: "*", Resource: "*" }],
  });
}

/**
 * Deny everything to sessions of the role issued before `cutoff` (ISO-8601): the stolen
 * sessions die, while the role's legitimate users assume it afresh and carry on.
 */
export function roleDenyDocument(incidentId: string, cutoff: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: sidOf(incidentId),
        Effect: "Deny",
        Action: "*",
        Resource: "*",
        Condition: { DateLessThan: { "aws:TokenIssueTime": cutoff } },
      },
    ],
  });
}

/** A statement id from an incident id (`ir-20260101-0abc1234` → `IncidentResponderIr202601010abc1234`). */
export function sidOf(incidentId: string): string {
  return `IncidentResponder${incidentId.replace(/[^A-Za-z0-9]/g, "").replace(/^./, (c) => c.toUpperCase())}`;
}

/**
 * True when a document read back from IAM (URL-encoded JSON, as GetUserPolicy returns it) says
 * what `expected` says.
 */
export function sameDocument(readBack: string | undefined, expected: string): boolean {
  if (!readBack) return false;
  try {
    const text = /%7B|%22/i.test(readBack) ? decodeURIComponent(readBack) : readBack;
    return JSON.stringify(JSON.parse(text)) === JSON.stringify(JSON.parse(expected));
  } catch {
    return false;
  }
}
