#!/usr/bin/env bash
# Installs Debian's Chromium, the only system package the project uses: mermaid-cli drives it to
# render docs/*.md diagrams to SVG (`npm run diagrams`). Nothing else needs it; tests do not.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  echo "chromium already installed: $(chromium --version)"
  exit 0
fi
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium fonts-dejavu-core
chromium --version
