// Runs one subscription with the graphql-ws client (graphql-transport-ws),
// as a browser or service would, and prints what happens as JSON lines:
// {"next": payload} for each message, then one of {"complete": true},
// {"error": [...]} (the operation's errors) or {"closed": code, "reason"}
// (the socket closed by the server). It exits after `count` messages (if
// given) or at any of those ends.
//
//   node subscribe.mjs URL TOKEN '{"query": "...", "variables": {...}, "count": 2}'
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [url, token, specText] = process.argv.slice(2);
const spec = JSON.parse(specText);
const print = (o) => process.stdout.write(JSON.stringify(o) + "\n");

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: token ? { Authorization: `Bearer ${token}` } : {},
  retryAttempts: 0,
  lazy: false,
  on: {
    connected: () => print({ connected: true }),
    closed: (ev) => {
      print({ closed: ev.code, reason: ev.reason });
      process.exit(0);
    },
  },
  onNonLazyError: () => {}, // reported by "closed"
});

let received = 0;
client.subscribe(
  { query: spec.query, variables: spec.variables ?? {} },
  {
    next: (payload) => {
      print({ next: payload });
      if (spec.count && ++received >= spec.count) {
        client.dispose();
        process.exit(0);
      }
    },
    error: (err) => {
      if (Array.isArray(err)) {
        print({ error: err });
        process.exit(0);
      }
      // a CloseEvent: "closed" reports it
    },
    complete: () => {
      print({ complete: true });
      process.exit(0);
    },
  },
);
