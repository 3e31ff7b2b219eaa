#!/usr/bin/env bash
# Sustained live benchmark: N real-time RTSP cameras (GStreamer, looping the shared footage)
# through the real pipeline for S seconds. Usage: bench_live.sh CAMERAS SECONDS [--json]
set -euo pipefail
cameras=${1:-4}
seconds=${2:-600}
shift 2 || true
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${NIGHTWATCH_SHARED:-$here/../shared}
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
loops=$(( seconds / 10 + 12 ))
ffmpeg -v error -stream_loop "$loops" -i "$shared/footage/people.mp4" -c copy -an "$work/looped.mp4"
port=$(( 20000 + RANDOM % 20000 ))
mounts=(); urls=()
for i in $(seq 1 "$cameras"); do mounts+=(--mount "/cam$i"); urls+=("rtsp://127.0.0.1:$port/cam$i"); done
/usr/bin/python3 "$here/tools/rtsp_server.py" --port "$port" --file "$work/looped.mp4" \
    "${mounts[@]}" > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do grep -q ready "$work/server.log" && break; sleep 0.2; done
"$here/.venv/bin/nightwatch" --log-level warning bench-live --rtsp "${urls[@]}" \
    --model "$shared/models/yolo11n_int8_openvino_model" --duration "$seconds" "$@"
