#!/bin/sh
# Smoke-tests a built bundle: dist-check.sh DIST_DIR (e.g. dist/spacedrive, made by `make dist`).
#
#  1. the GUI starts offscreen, takes a screenshot (a real PNG) and exits 0;
#  2. the CLI creates a library in a fresh data dir and lists it;
#  3. the CLI indexes a folder (the walker and hashing child processes re-launch the bundled binary);
#  4. the CLI starts the daemon (the bundled binary re-launching itself), reports mode "daemon", stops it;
#  5. two devices pair over loopback (QUIC, SPAKE2, BIP39 word lists) and one Spacedrops a folder to the
#     other (TLS data channel), so the networking stack is in the bundle.
#
# The executables run with a scrubbed environment from a scratch directory, so nothing from the source tree
# or the venv can leak in. The screenshot is kept next to the bundle as dist-check-shot.png.
set -eu

die() {
    echo "dist-check: FAILED: $*" >&2
    exit 1
}

[ $# -eq 1 ] || { echo "usage: $0 DIST_DIR" >&2; exit 2; }
[ -d "$1" ] || die "$1 is not a directory; run 'make dist' first"
DIST=$(cd "$1" && pwd)
CLI="$DIST/spacedrive"
GUI="$DIST/spacedrive-gui"
[ -x "$CLI" ] || die "$CLI is missing or not executable"
[ -x "$GUI" ] || die "$GUI is missing or not executable"
SHOT_KEEP="$(dirname "$DIST")/dist-check-shot.png"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/spacedrive-dist-check.XXXXXX")
DATA="$WORK/cli-data"
DAEMON_STARTED=0
DAEMON_A=0
cleanup() {
    rc=$?
    if [ "$DAEMON_STARTED" -eq 1 ]; then
        run "$CLI" --data-dir "$DATA" stop >/dev/null 2>&1 || true
    fi
    if [ "$DAEMON_A" -eq 1 ]; then
        run "$CLI" --data-dir "$WORK/net-a" stop >/dev/null 2>&1 || true
    fi
    if [ "$rc" -eq 0 ]; then
        rm -rf "$WORK"
    else
        echo "dist-check: logs and data kept in $WORK" >&2
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A clean environment: no PYTHONPATH/PYTHONHOME/VIRTUAL_ENV, no Qt variables from the caller.
run() {
    (cd "$WORK" && env -i HOME="$HOME" PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 \
        TMPDIR="${TMPDIR:-/tmp}" QT_QPA_PLATFORM=offscreen timeout 120 "$@")
}

step() {
    echo "dist-check: $*"
}

step "bundle $DIST"
step "size $(du -sh "$DIST" | cut -f1) ($(find "$DIST" -type f | wc -l) files)"

# --- 1. GUI, offscreen -------------------------------------------------------------------------------------
step "GUI: spacedrive-gui --screenshot (offscreen)"
SHOT="$WORK/shot.png"
t0=$(date +%s)
run "$GUI" --data-dir "$WORK/gui-data" --screenshot "$SHOT" --quit-after 1500 >"$WORK/gui.log" 2>&1 || {
    rc=$?
    cat "$WORK/gui.log" >&2
    [ "$rc" -eq 124 ] && die "spacedrive-gui did not quit within 120 s"
    die "spacedrive-gui exited with status $rc"
}
[ -f "$SHOT" ] || { cat "$WORK/gui.log" >&2; die "spacedrive-gui exited 0 but wrote no screenshot"; }
[ -s "$SHOT" ] || die "the screenshot $SHOT is empty"
magic=$(head -c 8 "$SHOT" | od -An -tx1 | tr -d ' \n')
[ "$magic" = "89504e470d0a1a0a" ] || die "the screenshot is not a PNG (starts with $magic)"
cp "$SHOT" "$SHOT_KEEP"
step "GUI: ok in $(($(date +%s) - t0)) s, screenshot $(wc -c <"$SHOT" | tr -d ' ') bytes -> $SHOT_KEEP"

# --- 2. CLI: libraries -------------------------------------------------------------------------------------
step "CLI: library create Check"
run "$CLI" --data-dir "$DATA" library create Check >"$WORK/create.log" 2>&1 \
    || { cat "$WORK/create.log" >&2; die "'spacedrive library create Check' failed"; }
step "CLI: --json library list"
run "$CLI" --data-dir "$DATA" --json library list >"$WORK/list.json" 2>"$WORK/list.err" \
    || { cat "$WORK/list.err" >&2; die "'spacedrive --json library list' failed"; }
grep -Eq '"name": *"Check"' "$WORK/list.json" \
    || { cat "$WORK/list.json" >&2; die "the new library 'Check' is not listed"; }
step "CLI: ok, library Check listed"

# --- 3. CLI: indexing (child processes of the frozen binary) -----------------------------------------------
# The indexer walks in a spawned process and hashes in a forkserver pool; frozen, both re-launch the bundled
# binary, which must divert to multiprocessing (freeze_support in packaging/launchers) instead of the CLI.
FILES="$WORK/files"
mkdir -p "$FILES/sub"
i=0
while [ "$i" -lt 200 ]; do
    echo "file $i" >"$FILES/f$i.txt"
    echo "nested $i" >"$FILES/sub/n$i.txt"
    i=$((i + 1))
done
step "CLI: location add --mode content (400 files: walker process + hashing pool)"
run "$CLI" --data-dir "$DATA" --json location add --mode content "$FILES" >"$WORK/location.json" 2>&1 \
    || { cat "$WORK/location.json" >&2; die "'spacedrive location add' failed"; }
if ! grep -Eq '"scan_state": *"complete"' "$WORK/location.json" \
    || ! grep -Eq '"total_file_count": *400' "$WORK/location.json"; then
    tail -n 30 "$WORK/location.json" >&2
    die "the location was not indexed completely (400 files)"
fi
run "$CLI" --data-dir "$DATA" --json ls "$FILES" >"$WORK/ls.json" 2>&1 \
    || { cat "$WORK/ls.json" >&2; die "'spacedrive --json ls' failed"; }
hashed=$(grep -Ec '"cas_id": *"[0-9a-f]+"' "$WORK/ls.json" || true)
[ "$hashed" -eq 200 ] || die "expected 200 files with a content id in $FILES, found $hashed"
step "CLI: ok, 400 files indexed, content ids computed"

# --- 4. CLI: daemon ----------------------------------------------------------------------------------------
step "daemon: start"
DAEMON_STARTED=1
run "$CLI" --data-dir "$DATA" start >"$WORK/start.log" 2>&1 \
    || { cat "$WORK/start.log" "$DATA/daemon.log" >&2 2>/dev/null; die "'spacedrive start' failed"; }
step "daemon: --json status"
run "$CLI" --data-dir "$DATA" --json status >"$WORK/status.json" 2>&1 \
    || { cat "$WORK/status.json" >&2; die "'spacedrive --json status' failed"; }
grep -Eq '"mode": *"daemon"' "$WORK/status.json" \
    || { cat "$WORK/status.json" >&2; die "status does not report mode daemon"; }
pid=$(sed -n 's/^  "pid": *\([0-9][0-9]*\).*/\1/p' "$WORK/status.json" | head -n 1)
if [ -n "$pid" ] && [ -e "/proc/$pid/exe" ]; then
    exe=$(readlink "/proc/$pid/exe")
    [ "$exe" = "$CLI" ] || die "the daemon (pid $pid) runs $exe, not the bundled $CLI"
    step "daemon: pid $pid is the bundled binary"
fi
step "daemon: stop"
run "$CLI" --data-dir "$DATA" stop >"$WORK/stop.log" 2>&1 \
    || { cat "$WORK/stop.log" "$DATA/daemon.log" >&2 2>/dev/null; die "'spacedrive stop' failed"; }
DAEMON_STARTED=0
# The exited daemon may linger as a zombie until its parent (init here) reaps it; that counts as stopped.
alive() {
    kill -0 "$1" 2>/dev/null || return 1
    [ -r "/proc/$1/stat" ] || return 0
    ! sed 's/.*) //' "/proc/$1/stat" | grep -q '^Z'
}
if [ -n "$pid" ]; then
    n=0
    while alive "$pid" && [ "$n" -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
    alive "$pid" && die "the daemon (pid $pid) is still running after stop"
fi
run "$CLI" --data-dir "$DATA" --json status >"$WORK/status2.json" 2>&1 || true
if grep -Eq '"mode": *"daemon"' "$WORK/status2.json"; then
    die "status still reports a daemon after stop"
fi
step "daemon: ok, started, reported, stopped"

# --- 5. networking: pairing and Spacedrop between two devices on loopback -----------------------------------
NET_A="$WORK/net-a"
NET_B="$WORK/net-b"
INBOX="$WORK/inbox"
mkdir -p "$INBOX"
port_a=$((20000 + $$ % 20000))
port_b=$((port_a + 1))
step "network: device A shows a code (port $port_a)"
run "$CLI" --data-dir "$NET_A" --json network pair generate --auto-accept --port "$port_a" \
    >"$WORK/generate.log" 2>&1 &
gen=$!
n=0
while ! grep -q '"words"' "$WORK/generate.log" 2>/dev/null && [ "$n" -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
words=$(head -n 1 "$WORK/generate.log" | sed -n 's/.*"words": *\[\([^]]*\)\].*/\1/p' | tr -d '",')
[ -n "$words" ] || { cat "$WORK/generate.log" >&2; die "device A printed no pairing code"; }
step "network: device B joins"
# shellcheck disable=SC2086 # the twelve words are twelve arguments
run "$CLI" --data-dir "$NET_B" network pair join $words --addr "127.0.0.1:$port_a" --port "$port_b" \
    >"$WORK/join.log" 2>&1 || { cat "$WORK/join.log" "$WORK/generate.log" >&2; die "pairing failed"; }
wait "$gen" || { cat "$WORK/generate.log" >&2; die "device A did not end paired"; }
step "network: device A receives (daemon, --auto-accept), device B sends a folder"
DAEMON_A=1
run "$CLI" --data-dir "$NET_A" start --enable-networking --port "$port_a" --auto-accept "$INBOX" \
    >"$WORK/start-a.log" 2>&1 || { cat "$WORK/start-a.log" >&2; die "device A's daemon did not start"; }
id_a=$(run "$CLI" --data-dir "$NET_A" --json network status | sed -n 's/.*"device_id": *"\([0-9a-f]*\)".*/\1/p')
run "$CLI" --data-dir "$NET_B" network spacedrop "$id_a" "$FILES" --addr "127.0.0.1:$port_a" --port "$port_b" \
    >"$WORK/spacedrop.log" 2>&1 || { cat "$WORK/spacedrop.log" "$NET_A/daemon.log" >&2; die "Spacedrop failed"; }
run "$CLI" --data-dir "$NET_A" stop >/dev/null 2>&1 || true
DAEMON_A=0
diff -r "$FILES" "$INBOX/files" >/dev/null || die "the folder did not arrive identical"
step "network: ok, paired and the folder arrived identical"

echo "dist-check: OK"
