#!/usr/bin/env bash
# `npm test` runs this first (npm's `pretest`): everything the tests need that npm does not install.
#   - Debian packages: chromium (web front-end tests), dataset-fashion-mnist (the demo's data),
#     bubblewrap (local mode's private /opt/ml per job). Installed with apt-get when missing and we are root;
#     otherwise one message with the exact command.
#   - Python venvs (cached in ~/.cache/sagemaker-mlops): bash scripts/setup-python.sh all.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
step() { printf '\n=== prepare-test: %s (%s)\n' "$1" "$(date +%T)"; }

step "system packages"
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || missing+=(dataset-fashion-mnist)
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
if [ ${#missing[@]} -eq 0 ]; then
  echo "prepare-test: chromium, dataset-fashion-mnist, bubblewrap present"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "prepare-test: installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "${missing[@]}" || { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; }
else
  echo "prepare-test: missing Debian packages: ${missing[*]}. Install them with:" >&2
  echo "  sudo apt-get install ${missing[*]}" >&2
  exit 1
fi

step "python venvs"
bash "$root/scripts/setup-python.sh" all

step "ready; running the tests"
