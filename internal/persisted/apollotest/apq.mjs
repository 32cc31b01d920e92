// Runs Apollo Client's persisted-queries link, unchanged, against the API at
// the URL given (TestApolloClient starts it): two queries, each sent twice,
// one client posting its hashes, one sending them by GET. Prints each
// answer as a JSON line for the test to check.
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { createHash } from "node:crypto";

const [uri, suffix] = process.argv.slice(2);
const sha256 = (text) => createHash("sha256").update(text).digest("hex");

for (const useGETForHashedQueries of [false, true]) {
  const client = new ApolloClient({
    cache: new InMemoryCache(),
    link: new PersistedQueryLink({ sha256, useGETForHashedQueries }).concat(new HttpLink({ uri })),
  });
  const name = `Apollo${useGETForHashedQueries ? "GET" : "POST"}${suffix}`;
  const query = gql(`query ${name}($n: Int) { customers(first: $n) { totalCount nodes { name } } }`);
  for (let i = 0; i < 2; i++) {
    try {
      const { data } = await client.query({ query, variables: { n: 3 }, fetchPolicy: "network-only" });
      console.log(JSON.stringify({ name, data }));
    } catch (e) {
      console.log(JSON.stringify({ name, error: String(e) }));
    }
  }
}
