#!/usr/bin/env bash
# System packages the tests need: Debian's chromium, without the recommended extras, and a CJK font so
# Chinese does not render as boxes (tests/reports/test_dashboard_browser.py); redis-server for the distributed
# crawl (tests/crawl/test_redis_crawl.py starts its own on a free loopback port; the Debian service
# is not used). Playwright drives that chromium
# (executable_path=/usr/bin/chromium); no browser is ever downloaded (`playwright install` is not used).
#
# Idempotent: does nothing when /usr/bin/chromium and the font are present. As root it runs
# `apt-get update` once and installs them; otherwise it prints what to install and exits 0 (the browser
# test then skips locally — under CI it fails instead, see the test).
set -euo pipefail

CHROMIUM=/usr/bin/chromium
PACKAGES=(chromium fonts-wqy-microhei redis-server)

have_font() {
    if command -v fc-list >/dev/null 2>&1; then
        fc-list 2>/dev/null | grep -qi 'wqy-microhei' && return 0
    fi
    [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]
}

if [ -x "$CHROMIUM" ] && have_font && command -v redis-server >/dev/null 2>&1; then
    echo "install-test-deps: chromium, fonts-wqy-microhei and redis-server already present"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-test-deps: not root; to run the browser test install (Debian):" >&2
    echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${PACKAGES[*]}" >&2
    echo "install-test-deps: without them tests/reports/test_dashboard_browser.py and the Redis tests are skipped (and fail under CI)." >&2
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-test-deps: apt-get not found; install chromium (at $CHROMIUM), the WenQuanYi Micro Hei font and redis-server yourself" >&2
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
start=$(date +%s)
echo "install-test-deps: apt-get update"
apt-get update -qq
echo "install-test-deps: apt-get install --no-install-recommends ${PACKAGES[*]}"
apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
echo "install-test-deps: installed in $(( $(date +%s) - start )) s"
"$CHROMIUM" --version || true
redis-server --version || true
