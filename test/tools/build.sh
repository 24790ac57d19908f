#!/usr/bin/env bash
# Builds a Go tool the tests use from the Go module proxy into a cache outside the repo, keyed
# by version, beside the control-plane binaries. Prints the binary's path on the last line.
#   build.sh helm     helm.sh/helm/v3/cmd/helm at HELM_VERSION          (override: HONO_HELM=/path/to/helm)
#   build.sh kstatus  test/tools/kstatus (ours) on sigs.k8s.io/cli-utils (override: HONO_KSTATUS=/path)
# Nothing is built when the override or the cache already holds the binary.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
tool=${1:-}
say() { printf '[tools] %s\n' "$*" >&2; }
fail() { printf '[tools] ERROR: %s\n' "$*" >&2; exit 1; }

case "$tool" in
  helm) version=$HELM_VERSION; override=${HONO_HELM:-}; override_var=HONO_HELM ;;
  kstatus) version=$CLI_UTILS_VERSION-$(cat "$here/kstatus/main.go" "$here/kstatus/go.mod" "$here/kstatus/go.sum" | sha256sum | cut -c1-12); override=${HONO_KSTATUS:-}; override_var=HONO_KSTATUS ;;
  *) fail "usage: build.sh helm|kstatus" ;;
esac
if [ -n "$override" ]; then
  [ -x "$override" ] || fail "$override_var=$override is not an executable file"
  say "using $override_var=$override (nothing to build)"
  echo "$override"; exit 0
fi
cache_root=${HONO_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hono-tls-operator/tools}
dest="$cache_root/$tool-$version"
if [ -x "$dest/$tool" ]; then
  say "cached: $dest/$tool"
  echo "$dest/$tool"; exit 0
fi

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then export PATH="/usr/local/go/bin:$PATH"; fi
command -v go >/dev/null 2>&1 || fail "no Go toolchain on PATH: install Go >= 1.26 (apt-get install golang, or from go.dev) and run again, or set $override_var to a $tool binary"
export CGO_ENABLED=0 GOFLAGS=-mod=mod
work=$(mktemp -d "${TMPDIR:-/tmp}/hono-tools-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$dest.partial"
log="$work/build.log"
t0=$SECONDS
say "building $tool $version from the Go module proxy (cold: a few minutes) ..."
case "$tool" in
  helm)
    # helm's go.mod has no replace directives, so go install builds it as published. Like helm's
    # Makefile, the default Kubernetes version (helm template, lint) follows its client-go (v0.N -> 1.N).
    build() {
      local mod client_go
      mod=$(go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
      client_go=$(sed -n 's/^\s*k8s.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$mod")
      [ -n "$client_go" ] || { echo "no k8s.io/client-go in helm's go.mod ($mod)"; return 1; }
      local x="-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
      local p; for p in pkg/lint/rules pkg/chartutil; do x="$x -X helm.sh/helm/v3/$p.k8sVersionMajor=1 -X helm.sh/helm/v3/$p.k8sVersionMinor=$client_go"; done
      GOBIN="$dest.partial" go install -trimpath -ldflags "-s -w $x" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
    } ;;
  kstatus)
    cp "$here/kstatus/main.go" "$here/kstatus/go.mod" "$here/kstatus/go.sum" "$work/"
    build() { (cd "$work" && go build -trimpath -ldflags '-s -w' -o "$dest.partial/kstatus" .); } ;;
esac
if ! build >"$log" 2>&1; then
  tail -n 25 "$log" >&2
  if grep -qE 'not found|unknown revision|invalid version|404' "$log"; then
    fail "$tool: the Go module proxy does not serve a module named above; check $here/versions.env"
  fi
  fail "building $tool failed (log above)"
fi
rm -rf "$dest" && mv "$dest.partial" "$dest"
say "$tool ready in $dest ($((SECONDS - t0))s)"
echo "$dest/$tool"
