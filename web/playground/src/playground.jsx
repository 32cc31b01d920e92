// The playground page: GraphiQL against the API's endpoint, opened on the
// example operations. The endpoint and the examples come from the page
// (internal/playground writes them into a JSON script element), so they can
// change without rebuilding this bundle.
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { createRoot } from 'react-dom/client';
import 'graphiql/style.css';

const config = JSON.parse(document.getElementById('playground-config').textContent);

const fetcher = createGraphiQLFetcher({
  url: config.endpoint,
  // The API has no incremental delivery; the plain fetcher sends one request
  // and reads one JSON answer, whatever its status.
  enableIncrementalDelivery: false,
  // Ask for the GraphQL-over-HTTP media type, so the status code tells a
  // request error (4xx) from an executed operation (200), as the spec says.
  headers: { accept: 'application/graphql-response+json, application/json' },
});

createRoot(document.getElementById('graphiql')).render(
  <GraphiQL fetcher={fetcher} defaultTabs={config.tabs} />,
);
