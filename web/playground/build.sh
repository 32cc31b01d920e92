#!/usr/bin/env bash
# Rebuilds the playground's browser bundle from the locked npm packages and
# writes it to internal/playground/assets, which the Go binary embeds. Run it
# after changing package.json or src/, and commit the assets it writes: a
# fresh clone builds and serves the playground without npm.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
node build.mjs
