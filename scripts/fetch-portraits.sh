#!/usr/bin/env bash
# More real portraits for the evaluation (python -m mesoclinic.outcomes.analysis.evaluation --portraits
# data/portraits): the White House photographs (public domain, works of the U.S. federal government) that the
# face_recognition 1.3.0 source package (MIT) ships as test images, fetched from PyPI with pip. Nothing is
# committed; data/ is ignored by git.
set -euo pipefail
cd "$(dirname "$0")/.."
target=data/portraits
mkdir -p "$target"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
.venv/bin/pip download --quiet --no-deps --no-binary :all: face_recognition==1.3.0 -d "$work"
tar -xzf "$work"/face_recognition-1.3.0.tar.gz -C "$work"
for name in obama obama2 obama3 biden obama_partial_face obama_partial_face2; do
  cp "$work/face_recognition-1.3.0/tests/test_images/$name.jpg" "$target/"
done
echo "portraits in $target: $(ls "$target" | tr '\n' ' ')"
