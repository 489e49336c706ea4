import { runArchiveBench } from "./archive.ts";
const q = Number(process.argv[2] ?? 2);
const r = await runArchiveBench({ endpoint: "http://127.0.0.1:5202", sizeMiB: Number(process.argv[3] ?? 256), queueSize: q, verify: false, hashOnly: false });
console.log(`q=${q} chunk=${process.env.CHUNK} size=${r.sizeMiB} peak=${r.archive.peakRssMiB} base=${r.baselineRssMiB} ${r.archive.mibPerSec}MiB/s`);
