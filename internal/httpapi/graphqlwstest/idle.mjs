// Holds N idle graphql-transport-ws subscriptions against a server, in a
// process of its own, so that the server's memory and goroutines are
// measured without its clients (the live benchmarks start it).
//
//   node idle.mjs URL TOKEN N QUERY
//
// Prints {"open": N} once every subscription has been sent after its
// connection_ack, {"closed": code} if the server closes one, and exits
// when its stdin closes.
import WebSocket from "ws";

const [url, token, nText, query] = process.argv.slice(2);
const n = Number(nText);
const print = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const sockets = [];

function open() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, "graphql-transport-ws");
    ws.on("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: { Authorization: `Bearer ${token}` } })));
    ws.on("message", (data) => {
      const m = JSON.parse(data);
      if (m.type === "connection_ack") {
        ws.send(JSON.stringify({ type: "subscribe", id: "1", payload: { query } }));
        resolve();
      } else if (m.type === "ping") {
        ws.send(JSON.stringify({ type: "pong" }));
      }
    });
    ws.on("close", (code) => print({ closed: code }));
    ws.on("error", reject);
    sockets.push(ws);
  });
}

// A hundred handshakes at a time: a burst of thousands would only
// measure the listen backlog.
for (let i = 0; i < n; i += 100) {
  await Promise.all(Array.from({ length: Math.min(100, n - i) }, open));
}
print({ open: n });
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
