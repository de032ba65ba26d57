#!/usr/bin/env bash
# Set up Nebulayer on a Debian/Ubuntu machine, then run it or its tests.
#
#   ./bootstrap.sh run [FILE...]   open the editor (on the bundled sample project by default)
#   ./bootstrap.sh test [ARGS...]  run the whole test suite (ARGS go to pytest)
#   ./bootstrap.sh setup           only install
#
# Installs what is missing, and only that: Debian packages (Qt's X libraries, Xvfb, a Japanese
# font, the INDI server and simulators, fitsverify, tiffinfo, siril-cli, astrometry.net with the
# Tycho-2 index files, Chromium + chromedriver; with sudo when not root), then a virtual
# environment in .venv with the project and its test tools.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
venv="$here/.venv"

# Qt6 from PyPI needs these on the offscreen platform; a real window (xcb) the rest.
# (A missing libxcb-icccm4 shows up as a misleading "xcb-cursor0" error: QT_DEBUG_PLUGINS=1.)
apt_packages=(
  libegl1 libgl1 libfontconfig1 libfreetype6 libx11-6 libglib2.0-0 libxkbcommon0 libdbus-1-3
  fonts-dejavu-core
  xvfb xauth libx11-xcb1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0
  libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1
  indi-bin fitsverify libtiff-tools
  fonts-ipafont-gothic
  astrometry.net astrometry-data-tycho2-07-littleendian astrometry-data-tycho2-08-littleendian
  astrometry-data-tycho2-09-littleendian astrometry-data-tycho2-10-19-littleendian
  siril chromium chromium-driver
)

log() { printf '\033[1mnebulayer:\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else log "need root to install system packages: $*"; exit 1
  fi
}

python_ok() {  # $1: interpreter; true when it is Python >= 3.11 with venv support
  "$1" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1
}

find_python() {
  for py in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    if [ -n "$py" ] && command -v "$py" >/dev/null 2>&1 && python_ok "$py"; then
      command -v "$py"; return 0
    fi
  done
  return 1
}

install_system_packages() {
  local missing=() pkg
  for pkg in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if ! find_python >/dev/null; then missing+=(python3 python3-venv python3-pip); fi
  if [ "${#missing[@]}" -gt 0 ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
      log "not a Debian/Ubuntu system: please install the equivalents of: ${missing[*]}"; exit 1
    fi
    log "installing system packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
}

install_python_env() {
  local py stamp want
  py="$(find_python)" || { log "no Python >= 3.11 with venv found"; exit 1; }
  if [ ! -x "$venv/bin/python" ]; then
    log "creating virtual environment .venv with $py"
    "$py" -m venv "$venv"
  fi
  # Reinstall only when the dependencies changed.
  stamp="$venv/.nebulayer-installed"
  want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "installing Python packages into .venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q -e ".[test]"
    echo "$want" >"$stamp"
  fi
}

setup() {
  install_system_packages
  install_python_env
}

cmd="${1:-run}"
[ $# -gt 0 ] && shift
case "$cmd" in
  setup)
    setup
    ;;
  run)
    setup
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
      log "no display found: starting the editor on a virtual X server (Xvfb); nothing will be visible"
      exec xvfb-run -a -s "-screen 0 1600x1000x24" "$venv/bin/nebulayer" "$@"
    fi
    exec "$venv/bin/nebulayer" "$@"
    ;;
  test)
    setup
    export QT_QPA_PLATFORM=offscreen
    log "running the test suite"
    # Under Xvfb, so the tests that check real windows have an X server.
    exec xvfb-run -a -s "-screen 0 1600x1000x24" "$venv/bin/python" -m pytest "$@"
    ;;
  *)
    log "usage: ./bootstrap.sh run [FILE...] | test [PYTEST ARGS...] | setup"; exit 2
    ;;
esac
