import { runIncidentBench } from "./incidents.ts";
const t = Date.now();
const r = await runIncidentBench({ incidents: 3, burstInstances: 10, burstFindings: 40, burstVpcs: 2, log: (l) => console.error(((Date.now()-t)/1000).toFixed(1), l) });
console.log(JSON.stringify(r, null, 1));
