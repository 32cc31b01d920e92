// The playground page: GraphiQL against the API's endpoint, opened on the
// example operations. The endpoint and the examples come from the page
// (internal/playground writes them into a JSON script element), so they can
// change without rebuilding this bundle. In the demo mode the page also
// carries a development token per role: a bar of buttons above GraphiQL
// picks the role every request is sent as.
import { useState } from 'react';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { createRoot } from 'react-dom/client';
import { parse } from 'graphql';
import 'graphiql/style.css';

const config = JSON.parse(document.getElementById('playground-config').textContent);
const roles = config.roles || [];

const base = createGraphiQLFetcher({
  url: config.endpoint,
  // The API has no incremental delivery; the plain fetcher sends one request
  // and reads one JSON answer, whatever its status.
  enableIncrementalDelivery: false,
  // Ask for the GraphQL-over-HTTP media type, so the status code tells a
  // request error (4xx) from an executed operation (200), as the spec says.
  headers: { accept: 'application/graphql-response+json, application/json' },
});

// GraphiQL can send the operation name of the tab open before when a tab
// is run right after switching to it; the server then answers "operation
// not found". A document with one operation runs that one.
function operationOf(params) {
  if (!params.operationName) return params;
  try {
    const ops = parse(params.query).definitions.filter((d) => d.kind === 'OperationDefinition');
    if (ops.length === 1 && ops[0].name?.value !== params.operationName) {
      return { ...params, operationName: ops[0].name?.value ?? null };
    }
  } catch {
    // Not parseable: the server says what is wrong with it.
  }
  return params;
}

// The role's token goes with every request; an Authorization header typed
// into GraphiQL's Headers tab still wins.
let current = roles.find((r) => r.role === 'viewer') || roles[0];
const fetcher = (params, opts) =>
  base(operationOf(params), {
    ...opts,
    headers: { ...(current ? { authorization: `Bearer ${current.token}` } : {}), ...(opts?.headers || {}) },
  });

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
