import { S3Client, CreateBucketCommand } from "@aws-sdk/client-s3";
import { archiveArtifact } from "../shared/evidence/archive.ts";
import { createCipheriv, createHash } from "node:crypto";
import { Readable } from "node:stream";
function pseudoRandomStream(size: number): Readable {
  const cipher = createCipheriv("aes-256-ctr", createHash("sha256").update("x").digest(), Buffer.alloc(16));
  const zeros = Buffer.alloc(1048576); let left = size;
  return new Readable({ highWaterMark: 1048576, read() { if (left <= 0) { this.push(null); return; } const n = Math.min(1048576, left); left -= n; this.push(cipher.update(zeros.subarray(0, n))); } });
}
const s3 = new S3Client({ endpoint: "http://127.0.0.1:5202", region: "us-east-1", forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: "t", secretAccessKey: "t" } });
const Bucket = "p" + Date.now();
await s3.send(new CreateBucketCommand({ Bucket }));
const M = 1048576; let peak = { rss: 0 } as NodeJS.MemoryUsage;
const base = process.memoryUsage();
const t = setInterval(() => { const m = process.memoryUsage(); if (m.rss > peak.rss) peak = m; }, 20);
await archiveArtifact(s3, { bucket: Bucket, incidentId: "i", name: "x", body: pseudoRandomStream(Number(process.argv[2] ?? 256) * M), collector: "c", sourceApiCall: "s" }, { queueSize: Number(process.argv[3] ?? 2) });
clearInterval(t);
const f = (m: NodeJS.MemoryUsage) => Object.entries(m).map(([k, v]) => `${k}=${Math.round(v / M)}`).join(" ");
console.log("base", f(base)); console.log("peak", f(peak), "maxRSS", Math.round(process.resourceUsage().maxRSS/1024));
