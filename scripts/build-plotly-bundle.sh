#!/bin/sh
# Rebuild the two plotly.js bundles in static/vendor/plotly/, each plotly.js core with only the
# traces a page draws, so a page without a map does not download the geo code:
#   plotly-bar-<version>.min.js      bar                 (catalogue, sector and country pages)
#   plotly-bar-geo-<version>.min.js  bar + scattergeo    (overview, project pages with a map)
# Then writes .br and .gz siblings of the large vendored text files (served pre-compressed by
# app/web/static.py) and regenerates static/vendor/CHECKSUMS.sha256.
# Needs Node.js, npm and the project's virtualenv (.venv, with the `brotli` test dependency);
# run from the repository root.
set -eu
VERSION=4.1.1
ROOT=$(pwd)
OUT="$ROOT/static/vendor/plotly"
PYTHON=${PYTHON:-"$ROOT/.venv/bin/python"}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent "plotly.js@$VERSION" esbuild@0.28.2

bundle() {  # bundle <name> <trace module>...
  name=$1
  shift
  {
    echo "var Plotly = require('plotly.js/lib/core');"
    printf "Plotly.register(["
    sep=""
    for trace in "$@"; do
      printf "%srequire('plotly.js/lib/%s')" "$sep" "$trace"
      sep=", "
    done
    echo "]);"
    echo "window.Plotly = Plotly;"
  } > "entry-$name.js"
  npx esbuild "entry-$name.js" --bundle --minify --format=iife --legal-comments=none \
    --target=es2018 --define:global=window --outfile="$OUT/plotly-$name-$VERSION.min.js"
  # esbuild also emits the CSS plotly imports; the page links dist/plotly.css (copied below).
  rm -f "$OUT/plotly-$name-$VERSION.min.css"
}

bundle bar bar
bundle bar-geo bar scattergeo
rm -f "$OUT/plotly-bri-$VERSION.min.js" "$OUT/plotly-bri-$VERSION.min.js.br" \
  "$OUT/plotly-bri-$VERSION.min.js.gz"
cp node_modules/plotly.js/dist/plotly.css "$OUT/plotly-$VERSION.css"
cp node_modules/plotly.js/LICENSE "$OUT/LICENSE"

cd "$ROOT"
"$PYTHON" -m app.web.static compress static/vendor
cd static/vendor
find . -type f ! -name CHECKSUMS.sha256 | sed 's|^\./||' | sort | xargs sha256sum > CHECKSUMS.sha256
echo "rebuilt plotly bundles, compressed siblings and static/vendor/CHECKSUMS.sha256"
