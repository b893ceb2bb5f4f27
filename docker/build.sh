#!/usr/bin/env bash
# Build both images from the repository root, tagged with splitlib's version:
#   docker/build.sh            # splitlib-split:<version> and splitlib-train:<version>
#   docker/build.sh --print    # only print the docker commands (what the tests check)
# Push them where your cluster pulls from, e.g. `docker tag splitlib-split:0.1.0 REGISTRY/...`,
# and set that name in deploy/k8s/*.yaml.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/pyproject.toml")
run=()
[[ ${1:-} == --print ]] && run=(echo)
for image in split train; do
  "${run[@]}" docker build -f "$root/docker/$image.Dockerfile" -t "splitlib-$image:$version" "$root"
done
