# Source this (`. tools/use-node.sh`): puts Node.js 22 LTS first on PATH for this shell when
# the machine's Node is older than package.json's engines (>= 22.12). The official Linux build
# for the machine (x64 or arm64) comes from the npm registry's node-linux-<arch> package,
# once per machine, into ~/.cache/scale-chat. `.ci/run` does the same before `npm ci`.
scale_chat_node_version=22.23.5
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 12) ? 0 : 1)' 2>/dev/null; then
  case "$(uname -m)" in
    aarch64 | arm64) scale_chat_node_arch=arm64 scale_chat_node_dir="$HOME/.cache/scale-chat/node-$scale_chat_node_version-arm64" ;;
    *) scale_chat_node_arch=x64 scale_chat_node_dir="$HOME/.cache/scale-chat/node-$scale_chat_node_version" ;;
  esac
  if [ ! -x "$scale_chat_node_dir/bin/node" ]; then
    echo "[node] installing Node.js $scale_chat_node_version into $scale_chat_node_dir (this machine has $(node --version 2>/dev/null || echo none))"
    scale_chat_unpack=$(mktemp -d)
    (cd "$scale_chat_unpack" && npm pack --silent "node-linux-$scale_chat_node_arch@$scale_chat_node_version" >/dev/null && tar -xzf "node-linux-$scale_chat_node_arch-$scale_chat_node_version.tgz")
    mkdir -p "$(dirname "$scale_chat_node_dir")"
    rm -rf "$scale_chat_node_dir" && mv "$scale_chat_unpack/package" "$scale_chat_node_dir"
    rm -rf "$scale_chat_unpack"
  fi
  export PATH="$scale_chat_node_dir/bin:$PATH"
fi
echo "[node] node $(node --version), npm $(npm --version)"
