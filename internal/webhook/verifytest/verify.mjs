// Reads one JSON request per line on stdin: {secret, headers, body}, and
// answers one line per request: "ok", or "error: <why>" — the verdict of
// the Standard Webhooks reference library on the message.
import { Webhook } from "standardwebhooks";
import { createInterface } from "node:readline";

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  try {
    const req = JSON.parse(line);
    const secret = req.secret.replace(/^whsec_/, "");
    new Webhook(secret).verify(req.body, req.headers);
    process.stdout.write("ok\n");
  } catch (e) {
    process.stdout.write("error: " + String(e && e.message ? e.message : e).replace(/\n/g, " ") + "\n");
  }
}
