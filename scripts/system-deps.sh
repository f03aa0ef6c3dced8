#!/bin/sh
# Installs the Debian packages voicecoach needs (speech out, audio I/O, audio conversion) if missing,
# and flite, whose voices the benchmark speaks with besides espeak-ng's.
set -eu
PACKAGES="espeak-ng libportaudio2 sox libasound2-plugins alsa-utils flite"
missing=""
if command -v dpkg-query >/dev/null 2>&1; then
    for p in $PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
    done
else
    for c in espeak-ng sox; do command -v "$c" >/dev/null 2>&1 || missing="$missing $c"; done
    [ -z "$missing" ] || { echo "Please install with your package manager:$missing portaudio" >&2; exit 1; }
    exit 0
fi
[ -z "$missing" ] && exit 0
echo "Installing system packages:$missing"
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "Please install as root: apt-get install$missing" >&2; exit 1
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
