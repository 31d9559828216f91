#!/bin/sh
# Rebuild static/vendor/plotly/plotly-bri-<version>.min.js: plotly.js core with only the traces
# the dashboard draws (bar, scattergeo). Needs Node.js and npm; run from the repository root.
set -eu
VERSION=4.1.1
ROOT=$(pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent "plotly.js@$VERSION" esbuild@0.28.2
cat > entry.js <<'JS'
var Plotly = require('plotly.js/lib/core');
Plotly.register([require('plotly.js/lib/bar'), require('plotly.js/lib/scattergeo')]);
window.Plotly = Plotly;
JS
npx esbuild entry.js --bundle --minify --format=iife --legal-comments=none --target=es2018 \
  --define:global=window --outfile="$ROOT/static/vendor/plotly/plotly-bri-$VERSION.min.js"
rm -f "$ROOT/static/vendor/plotly/plotly-bri-$VERSION.min.css"
cp node_modules/plotly.js/dist/plotly.css "$ROOT/static/vendor/plotly/plotly-$VERSION.css"
echo "rebuilt; update static/vendor/CHECKSUMS.sha256"
