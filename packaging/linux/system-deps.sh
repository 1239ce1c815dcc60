#!/bin/sh
# Installs (as root) or names (otherwise) the Debian/Ubuntu packages Qt and the headless tests need.
# On systems without dpkg it does nothing: there the platform's own Qt requirements apply.
set -eu
command -v dpkg-query >/dev/null 2>&1 || exit 0

PKGS="python3-venv libgl1 libegl1 libfontconfig1 libxkbcommon0 libglib2.0-0 libdbus-1-3 \
xvfb xauth libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 \
libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-xinerama0 libxcb-xkb1"

missing=""
for p in $PKGS; do
    # Debian's own python3 needs python3-venv to create .venv; another python3 (pyenv, a build) has it.
    if [ "$p" = python3-venv ] && [ "$(command -v python3)" != /usr/bin/python3 ]; then continue; fi
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in *"install ok installed"*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    echo "Installing system libraries:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
    echo "Missing system libraries. Run this, then retry:"
    echo "  sudo apt-get install -y$missing"
    exit 1
fi
