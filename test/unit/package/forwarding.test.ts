// biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${…}" here is CloudFormation Fn::Sub syntax.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCfnYaml } from "../../../shared/infra/cfn-yaml.ts";
import { CFN_LINT_INSTALLED, cfnLint, skipWithout } from "../../support/tools.ts";
import { type Json, serverlessDoc } from "../iam/roles.ts";
import { repoRoot } from "../iam/sources.ts";

const FILE = "infra/member-event-forwarding.yaml";
const template = parseCfnYaml(readFileSync(join(repoRoot, FILE), "utf8"));
const doc = serverlessDoc();

/** Every (source, detail-type) the responder's rules on the default bus match. */
function defaultBusKinds(): { fn: string; source: string; detailType: string }[] {
  return Object.entries<Json>(doc.functions).flatMap(([fn, f]) =>
    (f.events ?? [])
      .filter((e: Json) => e.eventBridge && e.eventBridge.eventBus === undefined)
      .flatMap((e: Json) =>
        (e.eventBridge.pattern.source as string[]).flatMap((source) =>
          (e.eventBridge.pattern["detail-type"] as string[]).map((detailType) => ({
            fn,
            source,
            detailType,
          })),
        ),
      ),
  );
}

const rules = Object.values(template.Resources).filter((r) => r.Type === "AWS::Events::Rule") as Json[];

describe("member accounts forward what the responder listens to (infra/member-event-forwarding.yaml)", () => {
  it("forwards every kind of event the responder's default-bus rules match", () => {
    const forwarded = (source: string, detailType: string) =>
      rules.some((r) => {
        const p = r.Properties.EventPattern;
        return p.source.includes(source) && p["detail-type"].includes(detailType);
      });

    // Drills are sent to the responder account itself, never from a member account.
    const missing = defaultBusKinds()
      .filter((k) => k.source !== "incident-responder.drill")
      .filter((k) => !forwarded(k.source, k.detailType));

    expect(missing).toEqual([]);
  });

  it("sends only to the responder account's default bus in the same region", () => {
    expect(Object.keys(template.Resources).filter((id) => rules.includes(template.Resources[id]))).toEqual([
      "ForwardActivity",
      "ForwardFindingsRule",
    ]);
    for (const r of rules) {
      expect(r.Properties.Targets).toEqual([
        {
          Id: "responder-default-bus",
          Arn: {
            "Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${ResponderAccountId}:event-bus/default",
          },
          RoleArn: { "Fn::GetAtt": ["ForwardingRole", "Arn"] },
        },
      ]);
    }
  });

  it.skipIf(skipWithout("cfn-lint", CFN_LINT_INSTALLED, "`pip install cfn-lint`"))("passes cfn-lint", () => {
    expect(cfnLint(FILE, repoRoot)).toEqual([]);
  });
});
