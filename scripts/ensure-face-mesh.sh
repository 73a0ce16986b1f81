#!/usr/bin/env bash
# MediaPipe Face Mesh for the browser (pinned in vendor/face-mesh/package-lock.json), installed with npm ci and
# copied into the outcomes app's static files, so the live capture guide runs on the tablet with files
# MesoClinic serves itself (nothing from the internet). Without npm the guide is left out with a note (the
# capture page keeps its plain file input), except under CI=true where that is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
VENDOR=vendor/face-mesh
TARGET=src/mesoclinic/outcomes/static/outcomes/face_mesh
FILES=(face_mesh.js face_mesh.binarypb face_mesh_solution_packed_assets.data
  face_mesh_solution_packed_assets_loader.js face_mesh_solution_simd_wasm_bin.js
  face_mesh_solution_simd_wasm_bin.wasm face_mesh_solution_wasm_bin.js face_mesh_solution_wasm_bin.wasm)
if [ -f "$TARGET/face_mesh.js" ] && [ "$TARGET/face_mesh.js" -nt "$VENDOR/package-lock.json" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  if [ "${CI:-}" = "true" ]; then
    echo "error: npm is missing: CI needs @mediapipe/face_mesh (vendor/face-mesh) for the capture guide." >&2
    exit 1
  fi
  echo "note: npm is missing: the live capture guide (MediaPipe Face Mesh in the browser) is left out."
  exit 0
fi
npm ci --prefix "$VENDOR" --no-audit --no-fund --loglevel=error
mkdir -p "$TARGET"
for file in "${FILES[@]}"; do
  cp "$VENDOR/node_modules/@mediapipe/face_mesh/$file" "$TARGET/"
done
cp "$VENDOR/node_modules/@mediapipe/face_mesh/package.json" "$TARGET/LICENSE-NOTE.json"
touch "$TARGET/face_mesh.js"
