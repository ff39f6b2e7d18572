#!/usr/bin/env bash
# WeasyPrint needs Pango (with HarfBuzz and fontconfig) from the system, and renders twice as
# fast with HarfBuzz's subsetter (without it, fontTools subsets the CJK font for every PDF: about
# 2.1 s instead of 1.0 s per report, measured in report_templates/fonts/README.md). Fonts are bundled in
# report_templates/fonts, so no system font is needed. Installs the libraries on Debian/Ubuntu
# when they are missing and we may; otherwise says what to install. With --browser, also the
# Chromium the tests drive (`make test` and CI ask for it; `make demo` does not need it).
set -euo pipefail
browser=false
[ "${1:-}" = "--browser" ] && browser=true
missing=()
# Read the cache once: `ldconfig -p | grep -q` fails under pipefail when grep exits early.
cache=$(ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true)
for lib in libpango-1.0.so.0 libpangoft2-1.0.so.0 libharfbuzz.so.0 libharfbuzz-subset.so.0 \
           libfontconfig.so.1; do
  case "$cache" in *"$lib"*) ;; *) missing+=("$lib") ;; esac
done
packages="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1"
[ ${#missing[@]} -eq 0 ] && packages=""
# The submission site's browser tests drive Debian's Chromium (never a downloaded browser), and
# the fix list and technical report are opened in it with the network and the fonts off.
if $browser && [ ! -x /usr/bin/chromium ]; then
  missing+=("chromium")
  packages="$packages chromium"
fi
[ ${#missing[@]} -eq 0 ] && exit 0
echo "缺少系统库 / missing system libraries: ${missing[*]}"
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages
    exit 0
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages
    exit 0
  fi
fi
echo "请安装 / please install: $packages (Debian/Ubuntu package names)" >&2
exit 1
