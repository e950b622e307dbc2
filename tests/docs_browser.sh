#!/bin/sh
# usage: docs_browser.sh NPM_CACHE_DIR OUT_DIR EXAMPLE_BINARY
# /docs as a user sees it, offline: swagger-ui-dist@5 from npm (into NPM_CACHE_DIR, once) is
# copied into a directory the example serves with --docs-dir, so the page loads nothing from
# the network; headless Chromium renders /docs, and every operation of /openapi.json
# (method and path, and its operationId in Swagger UI's deep-link id) must be in the
# rendered DOM. A screenshot goes to OUT_DIR/docs_browser.png either way, for a person to
# look at. Without npm or Chromium (and not root to apt-get them), or without the npm
# registry, it prints SKIP and exits 77.
set -eu
[ $# -eq 3 ] || { echo "usage: $0 NPM_CACHE_DIR OUT_DIR EXAMPLE_BINARY" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
. "$here/npm_cache.sh"
cache=$1 out=$2 bin=$3

need_npm
apt_need chromium chromium ||
    skip "Chromium is not installed (Debian: apt-get install chromium, as root)"
npm_cached "$cache" swagger-ui-dist@5

mkdir -p "$out"
work=$(mktemp -d)
pid=""
cleanup() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The layout the pages ask for: <dir>/swagger-ui-dist@5/. Copied, not linked: the served
# directory follows no symbolic link.
mkdir "$work/assets"
cp -R "$cache/node_modules/swagger-ui-dist" "$work/assets/swagger-ui-dist@5"

NOTES_DB="$work/notes.db" "$bin" --port 0 --workers 2 --docs-dir "$work/assets" \
    2>"$work/server.log" &
pid=$!
url=""
i=0
while [ $i -lt 100 ]; do
    url=$(sed -n 's|.*serving on \(http://[0-9.]*:[0-9]*\).*|\1|p' "$work/server.log" | head -n 1)
    [ -n "$url" ] && break
    if ! kill -0 "$pid" 2>/dev/null; then
        cat "$work/server.log" >&2
        echo "FAIL: $bin did not start" >&2
        exit 1
    fi
    sleep 0.1
    i=$((i + 1))
done
[ -n "$url" ] || { echo "FAIL: $bin did not say where it serves" >&2; exit 1; }
echo "$(basename "$bin") serving on $url with --docs-dir $work/assets"

# The page's script fetches /openapi.json and renders; the virtual time budget lets it run
# to the end (virtual time does not pass while a request is in flight). No host name
# resolves but the server's address: what the page needs must come from the app (the CDN
# cannot stand in for the local copy; the favicon FastAPI's page names just fails).
browse() {
    chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
        --no-first-run --no-default-browser-check --user-data-dir="$work/profile" \
        --host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" \
        --virtual-time-budget=20000 "$@" 2>>"$work/chromium.log"
}
shot="$out/docs_browser.png"
rm -f "$shot"
browse --dump-dom "$url/docs" >"$work/dom.html" || {
    tail -n 20 "$work/chromium.log" >&2
    echo "FAIL: chromium --dump-dom failed" >&2
    exit 1
}
browse --screenshot="$shot" --window-size=1280,2400 "$url/docs" >/dev/null ||
    echo "warning: no screenshot (see chromium's messages above)" >&2
[ -s "$shot" ] && echo "screenshot: $shot"

cat >"$work/check.cjs" <<'EOF'
// node check.cjs URL DOM: each operation of URL/openapi.json in the rendered DOM.
const fs = require("fs");
const [url, domFile] = process.argv.slice(2);
const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const unescape = (s) => s.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">")
  .replace(/&#39;/g, "'").replace(/&amp;/g, "&");

(async () => {
  const doc = await (await fetch(`${url}/openapi.json`)).json();
  const dom = fs.readFileSync(domFile, "utf8");
  // Swagger UI: <div class="opblock opblock-get ..." id="operations-TAG-OPERATIONID"> ...
  // <span class="opblock-summary-path" data-path="/items/{item_id}">
  const blocks = [...dom.matchAll(/<div class="opblock opblock-([a-z]+)[^"]*" id="operations-([^"]*)"/g)];
  const rendered = blocks.map((b, i) => {
    const end = i + 1 < blocks.length ? blocks[i + 1].index : dom.length;
    const path = /data-path="([^"]*)"/.exec(dom.slice(b.index, end));
    return { method: b[1], id: unescape(b[2]), path: path ? unescape(path[1]) : null };
  });
  let want = 0;
  const missing = [];
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const m of methods.filter((m) => item[m])) {
      want++;
      const opId = item[m].operationId;
      const found = rendered.some((r) => r.method === m && r.path === path &&
        (opId === undefined || r.id.endsWith(`-${opId}`)));
      if (!found) missing.push(`${m.toUpperCase()} ${path} (${opId})`);
    }
  }
  console.log(`${doc.info.title}: ${want - missing.length} of ${want} operations rendered ` +
    `(${blocks.length} operation blocks in the page)`);
  if (want === 0 || missing.length) {
    console.error(`FAIL: not in the rendered /docs:\n  ${missing.join("\n  ") || "(no operations)"}`);
    process.exit(1);
  }
})().catch((err) => {
  console.error(`FAIL: ${err.message}`);
  process.exit(1);
});
EOF
node "$work/check.cjs" "$url" "$work/dom.html"
