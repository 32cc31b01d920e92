// Bundles GraphiQL, React and the page's glue into one minified script and
// one stylesheet in internal/playground/assets, which the Go binary embeds:
// the playground then needs neither npm nor any other host at run time.
// The Go side names the files by content hash, so no hashing happens here.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const outdir = fileURLToPath(new URL('../../internal/playground/assets/', import.meta.url));

const result = await esbuild.build({
  entryPoints: { playground: 'src/playground.jsx' },
  outdir,
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  // The toolkit imports graphql-ws for its client only; the package's root
  // export brings its server too (its "browser" condition comes after
  // "import", so a bundler never picks it).
  alias: { 'graphql-ws': 'graphql-ws/client' },
  // React's production build: smaller, and without development warnings.
  define: { 'process.env.NODE_ENV': '"production"' },
  // Fonts and icons are inlined, so the stylesheet asks nothing of the network.
  loader: { '.woff': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl', '.svg': 'dataurl' },
  legalComments: 'eof',
  metafile: true,
  logLevel: 'info',
});

// The bundle carries code of many packages whose licenses ask for their
// notice to travel with it: collect each bundled package's license file.
const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = input.match(/^(.*node_modules\/(@[^/]+\/[^/]+|[^/]+))\//);
  if (m) packages.set(m[2], m[1]);
}
const notices = [...packages].sort(([a], [b]) => a.localeCompare(b)).map(([name, dir]) => {
  const { version, license } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const file = fs.readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
  const text = file ? fs.readFileSync(path.join(dir, file), 'utf8').trim() : `License: ${license}`;
  return `${name}@${version}\n\n${text}\n`;
});
fs.writeFileSync(path.join(outdir, 'THIRD_PARTY_LICENSES.txt'),
  'The playground bundle (playground.js, playground.css) contains these packages.\n\n' +
  notices.join('\n' + '-'.repeat(72) + '\n\n'));
console.log(`  ${packages.size} packages' licenses written to THIRD_PARTY_LICENSES.txt`);
