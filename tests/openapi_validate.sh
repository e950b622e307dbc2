#!/bin/sh
# usage: openapi_validate.sh NPM_CACHE_DIR EXAMPLE_BINARY...
# Each example's OpenAPI document (`EXAMPLE --openapi`) must pass
# @apidevtools/swagger-parser's validate(): every $ref resolves and the document matches the
# OpenAPI 3.1 JSON schema. swagger-parser's semantic checks cover Swagger 2.0 only, so the
# script adds the two that matter most for 3.x itself: operationIds are unique, and a path's
# {parameters} and its operation's `in: path` parameters (required) are the same names.
# Any error fails the test, naming the example. The package is installed once with npm into
# NPM_CACHE_DIR (under the build tree); without npm (and not root to apt-get it) or without
# the registry, it prints SKIP and exits 77.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 NPM_CACHE_DIR EXAMPLE_BINARY..." >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
. "$here/npm_cache.sh"
cache=$1
shift

# 12.1: the last release that runs on the Node.js of Debian 12 (13 wants Node 22.19)
need_npm
npm_cached "$cache" @apidevtools/swagger-parser@12.1.0

cat >"$cache/validate.cjs" <<'EOF'
// node validate.cjs NAME FILE: validates FILE, prints "NAME: valid ..." or the errors.
const SwaggerParser = require("@apidevtools/swagger-parser");
const [name, file] = process.argv.slice(2);
const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

// What swagger-parser leaves out for OpenAPI 3.x (its validateSpec returns early).
function semantic(api) {
  const errors = [], seen = new Map();
  let ops = 0;
  for (const [path, item] of Object.entries(api.paths || {})) {
    const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
    for (const m of methods.filter((m) => item[m])) {
      const op = item[m], where = `${m.toUpperCase()} ${path}`;
      ops++;
      if (op.operationId !== undefined) {
        if (seen.has(op.operationId))
          errors.push(`${where}: operationId ${op.operationId} also on ${seen.get(op.operationId)}`);
        seen.set(op.operationId, where);
      }
      const params = [...(item.parameters || []), ...(op.parameters || [])];
      const declared = params.filter((p) => p.in === "path");
      for (const p of declared.filter((p) => p.required !== true))
        errors.push(`${where}: path parameter ${p.name} is not required`);
      const names = declared.map((p) => p.name).sort();
      if (JSON.stringify(names) !== JSON.stringify(inPath))
        errors.push(`${where}: path parameters ${JSON.stringify(names)}, template ${JSON.stringify(inPath)}`);
    }
  }
  return { errors, ops };
}

SwaggerParser.validate(file).then(
  (api) => {
    const { errors, ops } = semantic(api);
    if (errors.length) {
      console.error(`${name}: INVALID:\n  ${errors.join("\n  ")}`);
      process.exit(1);
    }
    console.log(`${name}: valid OpenAPI ${api.openapi} (${ops} operations)`);
  },
  (err) => {
    console.error(`${name}: INVALID: ${err.message}`);
    process.exit(1);
  });
EOF

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# the notes example opens its SQLite file before it can print anything
export NOTES_DB="$tmp/notes.db"
status=0
for bin in "$@"; do
    name=$(basename "$bin")
    if ! "$bin" --openapi >"$tmp/$name.json"; then
        echo "$name: --openapi failed" >&2
        status=1
        continue
    fi
    node "$cache/validate.cjs" "$name" "$tmp/$name.json" || status=1
done
exit $status
