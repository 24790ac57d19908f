#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-controller-manager and kubectl from the Go module proxy
# into a cache outside the repo, keyed by version. Prints the bin dir on the last line.
# Skips everything when KUBEBUILDER_ASSETS or the cache already holds the binaries.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
bins=(etcd kube-apiserver kube-controller-manager kubectl)
cache_root=${HONO_CONTROLPLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hono-tls-operator/controlplane}
dest="$cache_root/k8s-$K8S_VERSION-etcd-$ETCD_VERSION"

say() { printf '[controlplane] %s\n' "$*" >&2; }
fail() { printf '[controlplane] ERROR: %s\n' "$*" >&2; exit 1; }
have_all() { local d=$1; for b in "${bins[@]}"; do [ -x "$d/$b" ] || return 1; done; }

if [ -n "${KUBEBUILDER_ASSETS:-}" ] && have_all "$KUBEBUILDER_ASSETS"; then
  say "using KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS (nothing to build)"
  echo "$KUBEBUILDER_ASSETS"; exit 0
fi
if have_all "$dest"; then
  say "cached: $dest"
  echo "$dest"; exit 0
fi

command -v go >/dev/null 2>&1 || fail "no Go toolchain on PATH: install Go >= 1.26 (apt-get install golang, or from go.dev) and run again"
export CGO_ENABLED=0 GOFLAGS=-mod=mod
work=$(mktemp -d "${TMPDIR:-/tmp}/hono-cp-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$dest.partial"

step() { # step NAME CMD...: runs CMD, shows elapsed time, and on failure its last lines
  local name=$1; shift; local t0=$SECONDS log="$work/$(echo "$name" | tr ' /' '__').log"
  say "$name ..."
  ( while sleep 30; do say "  ... $name still running ($((SECONDS - t0))s)"; done ) & local ticker=$!
  if ! "$@" >"$log" 2>&1; then
    kill "$ticker" 2>/dev/null || true
    tail -n 25 "$log" >&2
    if grep -qE 'not found|unknown revision|invalid version|404' "$log"; then
      fail "$name: the Go module proxy does not serve a module named above; try another patch version in $here/versions.env"
    fi
    fail "$name failed (log above)"
  fi
  kill "$ticker" 2>/dev/null || true
  say "$name done in $((SECONDS - t0))s"
}

# --- etcd: a one-line main in its own module (go install refuses etcd's replace directives).
mkdir -p "$work/etcd"
cat >"$work/etcd/main.go" <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
cat >"$work/etcd/go.mod" <<GO
module hono-tls-operator/etcd

go 1.24

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
GO
step "etcd $ETCD_VERSION: resolve modules" bash -c "cd '$work/etcd' && go mod tidy"
step "etcd $ETCD_VERSION: build" bash -c "cd '$work/etcd' && go build -trimpath -ldflags '-s -w' -o '$dest.partial/etcd' ."

# --- kube-apiserver and kube-controller-manager: k8s.io/kubernetes requires its staging
# modules at v0.0.0 with local replaces, so map every one to its published version.
step "k8s.io/kubernetes $K8S_VERSION: fetch go.mod" go mod download -json "k8s.io/kubernetes@$K8S_VERSION"
upstream_mod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
[ -f "$upstream_mod" ] || fail "could not read k8s.io/kubernetes@$K8S_VERSION's go.mod from the module proxy"
staging_version="v0.${K8S_VERSION#v1.}"
mkdir -p "$work/k8s/kube-apiserver" "$work/k8s/kube-controller-manager" "$work/k8s/kubectl"
{
  echo "module hono-tls-operator/k8s"
  echo
  grep -E '^go [0-9]' "$upstream_mod"
  grep -E '^godebug ' "$upstream_mod" || true
  echo
  echo "require k8s.io/kubernetes $K8S_VERSION"
  echo
  grep -oE '^\s*k8s\.io/[a-z0-9-]+ => \./staging/' "$upstream_mod" | awk '{print $1}' | sort -u |
    while read -r m; do echo "replace $m => $m $staging_version"; done
} >"$work/k8s/go.mod"
n=$(grep -c '^replace' "$work/k8s/go.mod")
[ "$n" -gt 10 ] || fail "found only $n staging modules in k8s.io/kubernetes@$K8S_VERSION's go.mod"
say "mapped $n staging modules to $staging_version"
cat >"$work/k8s/kube-apiserver/main.go" <<'GO'
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() { os.Exit(cli.Run(app.NewAPIServerCommand())) }
GO
cat >"$work/k8s/kube-controller-manager/main.go" <<'GO'
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() { os.Exit(cli.Run(app.NewControllerManagerCommand())) }
GO
cat >"$work/k8s/kubectl/main.go" <<'GO'
package main

import (
	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"
)

func main() {
	command := cmd.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(command); err != nil {
		util.CheckErr(err)
	}
}
GO
step "k8s $K8S_VERSION: resolve modules" bash -c "cd '$work/k8s' && go mod tidy"
ver="-X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2) -X k8s.io/component-base/version.gitTreeState=clean"
for b in kube-apiserver kube-controller-manager kubectl; do
  step "$b $K8S_VERSION: build (cold: several minutes)" bash -c "cd '$work/k8s' && go build -trimpath -ldflags '-s -w $ver' -o '$dest.partial/$b' ./$b"
done

rm -rf "$dest" && mv "$dest.partial" "$dest"
say "binaries ready in $dest ($(du -sh "$dest" | cut -f1))"
echo "$dest"
