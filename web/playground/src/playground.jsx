// The playground page: GraphiQL against the API's endpoint, opened on the
// example operations. The endpoint and the examples come from the page
// (internal/playground writes them into a JSON script element), so they can
// change without rebuilding this bundle. In the demo mode the page also
// carries a development token per role: a bar of buttons above GraphiQL
// picks the role every request is sent as. Subscriptions run over a
// websocket (graphql-ws) to the same endpoint.
import { useState } from 'react';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { createRoot } from 'react-dom/client';
import { parse } from 'graphql';
import 'graphiql/style.css';

const config = JSON.parse(document.getElementById('playground-config').textContent);
const roles = config.roles || [];

// The websocket's URL is the endpoint's, with ws: or wss: for http: or
// https:. The toolkit opens one socket per subscription run and sends the
// request's headers as connection_init's payload, which is where the
// server reads the credential (a browser cannot set a websocket's headers).
const subscriptionUrl = new URL(config.endpoint, window.location.href);
subscriptionUrl.protocol = subscriptionUrl.protocol === 'https:' ? 'wss:' : 'ws:';

const base = createGraphiQLFetcher({
  url: config.endpoint,
  subscriptionUrl: subscriptionUrl.href,
  // The API has no incremental delivery; the plain fetcher sends one request
  // and reads one JSON answer, whatever its status.
  enableIncrementalDelivery: false,
  // Ask for the GraphQL-over-HTTP media type, so the status code tells a
  // request error (4xx) from an executed operation (200), as the spec says.
  headers: { accept: 'application/graphql-response+json, application/json' },
});

// GraphiQL can send the operation name and the parsed document of the tab
// open before when a tab is run right after switching to it, or no name;
// the server then answers "operation not found", and the toolkit, which
// tells a subscription by the document's operation of that name, posts it
// instead of opening a websocket. So the query sent is parsed here, and a
// document with one operation runs that one, by its name.
function operationOf(params, opts) {
  try {
    const documentAST = parse(params.query);
    const ops = documentAST.definitions.filter((d) => d.kind === 'OperationDefinition');
    const name = ops.length === 1 ? (ops[0].name?.value ?? null) : params.operationName;
    return [{ ...params, operationName: name }, { ...opts, documentAST }];
  } catch {
    // Not parseable: the server says what is wrong with it.
    return [params, opts];
  }
}

// The role's token goes with every request, subscriptions' included; an
// Authorization header typed into GraphiQL's Headers tab still wins. The
// result has one Authorization key, whatever the case typed: two would be
// joined into one invalid header by fetch, and a websocket's payload would
// carry both.
let current = roles.find((r) => r.role === 'viewer') || roles[0];
function withCredential(headers = {}) {
  const out = {};
  let credential = current ? `Bearer ${current.token}` : undefined;
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === 'authorization') credential = v;
    else out[k] = v;
  }
  return credential === undefined ? out : { ...out, Authorization: credential };
}
const fetcher = (params, opts) => {
  const [p, o] = operationOf(params, opts);
  return base(p, { ...o, headers: withCredential(o?.headers) });
};

function RoleBar() {
  const [role, setRole] = useState(current?.role);
  if (roles.length === 0) return null;
  return (
    <div className="bizgraph-roles" style={{ display: 'flex', gap: '0.5em', alignItems: 'center',
      padding: '0.4em 1em', font: '14px system-ui, sans-serif', borderBottom: '1px solid #ddd' }}>
      <span>Demo mode, act as:</span>
      {roles.map((r) => (
        <button key={r.role} type="button" data-role={r.role} aria-pressed={r.role === role}
          style={{ fontWeight: r.role === role ? 'bold' : 'normal', cursor: 'pointer' }}
          onClick={() => { current = r; setRole(r.role); }}>
          {r.role}
        </button>
      ))}
      <span style={{ color: '#666' }}>then run the query again</span>
    </div>
  );
}

createRoot(document.getElementById('graphiql')).render(
  <div style={{ display: 'flex', flexDirection: 'column', height: '100%' }}>
    <RoleBar />
    <div style={{ flex: 1, minHeight: 0 }}>
      <GraphiQL fetcher={fetcher} defaultTabs={config.tabs} />
    </div>
  </div>,
);
