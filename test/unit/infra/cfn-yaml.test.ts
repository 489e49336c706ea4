// biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${…}" here is CloudFormation Fn::Sub syntax, not JavaScript.
import { describe, expect, it } from "vitest";
import {
  asArray,
  asObject,
  CfnTemplateError,
  parseCfnYaml,
  resourcesOfType,
  toList,
} from "../../../shared/infra/cfn-yaml.ts";

/** A template with one resource whose property `P` is the given YAML. */
const withProperty = (yaml: string) =>
  parseCfnYaml(`Resources:\n  R:\n    Type: AWS::X::Y\n    Properties:\n      P: ${yaml}\n`).Resources.R
    ?.Properties?.P;

describe("parseCfnYaml", () => {
  it.each([
    ["!Ref Vpc", { Ref: "Vpc" }],
    ["!Condition HasTwo", { Condition: "HasTwo" }],
    ['!Sub "arn:${AWS::Partition}:s3:::${Bucket}"', { "Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}" }],
    ["!GetAtt Group.GroupId", { "Fn::GetAtt": ["Group", "GroupId"] }],
    ["!GetAtt Db.Endpoint.Address", { "Fn::GetAtt": ["Db", "Endpoint.Address"] }],
    ["!GetAtt [Group, GroupId]", { "Fn::GetAtt": ["Group", "GroupId"] }],
    ['!GetAZs ""', { "Fn::GetAZs": "" }],
    ["!Select [0, !GetAZs '']", { "Fn::Select": [0, { "Fn::GetAZs": "" }] }],
    ['!Split [",", !Ref Ids]', { "Fn::Split": [",", { Ref: "Ids" }] }],
    ['!Join ["", [a, !Ref B]]', { "Fn::Join": ["", ["a", { Ref: "B" }]] }],
    ["!FindInMap [M, !Ref K, v]", { "Fn::FindInMap": ["M", { Ref: "K" }, "v"] }],
    ["!If [C, !Ref A, !Ref AWS::NoValue]", { "Fn::If": ["C", { Ref: "A" }, { Ref: "AWS::NoValue" }] }],
    ['!Not [!Equals [!Ref X, ""]]', { "Fn::Not": [{ "Fn::Equals": [{ Ref: "X" }, ""] }] }],
    ["!And [!Condition A, !Condition B]", { "Fn::And": [{ Condition: "A" }, { Condition: "B" }] }],
    ["!Base64 '#!/bin/bash'", { "Fn::Base64": "#!/bin/bash" }],
  ])("reads %s in its long form", (yaml, expected) => {
    expect(withProperty(yaml)).toEqual(expected);
  });

  it("reads the two-argument form of !Sub", () => {
    const text = ["!Sub", "        - ${A}-${B}", "        - A: !Ref X", "          B: literal"].join("\n");

    expect(withProperty(text)).toEqual({ "Fn::Sub": ["${A}-${B}", { A: { Ref: "X" }, B: "literal" }] });
  });

  it("keeps dates and versions as strings", () => {
    const t = parseCfnYaml("AWSTemplateFormatVersion: 2010-09-09\nResources:\n  R:\n    Type: T\n");

    expect(t.AWSTemplateFormatVersion).toBe("2010-09-09");
  });

  it.each([
    ["an unknown tag", "!Bogus x"],
    ["a known tag on the wrong kind of node", "!Ref [a, b]"],
  ])("refuses %s", (_, yaml) => {
    expect(() => withProperty(yaml)).toThrow(CfnTemplateError);
  });

  it("refuses duplicate keys, invalid YAML and documents without resources", () => {
    expect(() => parseCfnYaml("Resources:\n  R:\n    Type: A\n  R:\n    Type: B\n")).toThrow(
      CfnTemplateError,
    );
    expect(() => parseCfnYaml("Resources: [\n")).toThrow(CfnTemplateError);
    expect(() => parseCfnYaml("Parameters: {}\n")).toThrow(/Resources/);
    expect(() => parseCfnYaml("- a\n")).toThrow(/mapping/);
    expect(() => parseCfnYaml("Resources:\n  R:\n    Properties: {}\n")).toThrow(/R needs a Type/);
  });

  it("reads JSON templates too", () => {
    const t = parseCfnYaml(
      '{"Resources": {"R": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Ref": "N"}}}}}',
    );

    expect(resourcesOfType(t, "AWS::SNS::Topic")).toEqual([
      ["R", { Type: "AWS::SNS::Topic", Properties: { TopicName: { Ref: "N" } } }],
    ]);
  });
});

describe("template value helpers", () => {
  it("narrow values or name what was wrong", () => {
    expect(asObject({ a: 1 })).toEqual({ a: 1 });
    expect(asArray([1])).toEqual([1]);
    expect(() => asObject([1], "Tags")).toThrow("Tags is not a mapping");
    expect(() => asArray({ a: 1 }, "Statement")).toThrow("Statement is not a list");
  });

  it("treat one item or a list of items alike", () => {
    expect(toList("s3:GetObject")).toEqual(["s3:GetObject"]);
    expect(toList(["a", "b"])).toEqual(["a", "b"]);
    expect(toList(undefined)).toEqual([]);
  });
});
