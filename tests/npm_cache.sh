# Sourced by openapi_validate.sh and docs_browser.sh: what they need from npm, installed on
# demand (and by test_tls.sh and deploy_nginx.sh, for skip and apt_need). Nothing here is
# required to build or to run the other tests; a test that cannot get its tools says SKIP
# and exits 77, ctest's SKIP_RETURN_CODE for these tests.

skip() {
    echo "SKIP: $*"
    exit 77
}

# Installs the Debian package $1 when its command $2 is missing: as root only (the tests
# never sudo), waiting for another apt-get rather than failing at once.
apt_need() {
    command -v "$2" >/dev/null 2>&1 && return 0
    [ "$(id -u)" -eq 0 ] || return 1
    command -v apt-get >/dev/null 2>&1 || return 1
    echo "installing the Debian package $1"
    apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null &&
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
            --no-install-recommends "$1" >/dev/null || return 1
    command -v "$2" >/dev/null 2>&1
}

need_npm() {
    apt_need npm npm || skip "npm is not installed (Debian: apt-get install npm, as root)"
    command -v node >/dev/null 2>&1 || skip "node is not installed (Debian: apt-get install nodejs)"
}

# npm_cached DIR SPEC: SPEC (e.g. swagger-ui-dist@5) installed under DIR/node_modules with
# `npm install --prefix DIR`, once: DIR/.installed records what is there, and a different
# SPEC installs again. Skips when npm cannot install it (offline, no registry).
npm_cached() {
    if [ "$(cat "$1/.installed" 2>/dev/null)" = "$2" ]; then
        return 0
    fi
    mkdir -p "$1"
    echo "npm install --prefix $1 $2"
    if ! npm install --prefix "$1" --no-audit --no-fund --loglevel=error "$2" >"$1/npm.log" 2>&1; then
        tail -n 20 "$1/npm.log"
        skip "npm could not install $2 into $1 (see $1/npm.log)"
    fi
    echo "$2" >"$1/.installed"
}
