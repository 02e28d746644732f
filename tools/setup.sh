#!/usr/bin/env bash
# What `npm start` and `npm test` run (package.json), so that on a fresh Debian machine
# those two commands are all there is to do: the Debian packages the tools start for real
# (PostgreSQL and nginx; for the tests Chromium and CJK and emoji fonts too), Node.js 22
# where the machine's is older (tools/use-node.sh), and `npm ci` whenever package-lock.json
# changed since the last install by this script. Then it becomes the command itself
# (`exec`), so a signal npm gets reaches the stack or the test run, no shell in between.
#
#   tools/setup.sh start          # the whole stack (the web app built first)
#   tools/setup.sh test [args]    # every check; args go to Nx
set -euo pipefail
cd "$(dirname "$0")/.."

command=${1:-}
shift || true
case "$command" in
  start) packages=(nginx) ;;
  test) packages=(nginx chromium fonts-noto-cjk fonts-noto-color-emoji) ;;
  *)
    echo "usage: tools/setup.sh start|test [args...]" >&2
    exit 64
    ;;
esac
# The tools start a PostgreSQL of their own unless DATABASE_URL names one.
[ -n "${DATABASE_URL:-}" ] || packages+=(postgresql)

# Debian packages that are missing (where the machine is Debian's: elsewhere, README's
# prerequisites say what to install).
if command -v dpkg-query >/dev/null; then
  missing=()
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    as_root=()
    if [ "$(id -u)" -ne 0 ]; then
      if ! command -v sudo >/dev/null; then
        echo "[setup] missing Debian packages: ${missing[*]}; as root: apt-get install ${missing[*]}" >&2
        exit 1
      fi
      as_root=(sudo)
    fi
    echo "[setup] installing ${missing[*]}"
    "${as_root[@]}" apt-get update -qq
    # Through env: sudo drops the caller's environment.
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# Node.js 22 LTS or newer, first on PATH from here on (npm ci and the command run on it).
# shellcheck source=./use-node.sh
. tools/use-node.sh

# The dependencies, as package-lock.json has them, for this Node's native modules: installed
# again when either changed. Dev dependencies and install scripts whatever the caller's
# environment says (NODE_ENV=production, npm_config_omit, npm_config_ignore_scripts would
# leave the tools out, and the stamp would keep them out).
installed=node_modules/.scale-chat-installed
wanted=$(node -e '
  const { createHash } = require("node:crypto");
  const lock = require("node:fs").readFileSync("package-lock.json");
  console.log(createHash("sha256").update(lock).digest("hex") + " node-abi-" + process.versions.modules);
')
if [ "$(cat "$installed" 2>/dev/null)" != "$wanted" ]; then
  echo "[setup] npm ci"
  npm ci --include=dev --ignore-scripts=false --no-audit --no-fund --loglevel=error
  echo "$wanted" >"$installed"
fi

case "$command" in
  start)
    node_modules/.bin/nx build web --outputStyle=static
    exec node tools/run.js stack
    ;;
  test) exec node tools/run.js test "$@" ;;
esac
