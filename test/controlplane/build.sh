#!/usr/bin/env bash
# Builds the local control plane's binaries from the Go module proxy into a cache outside the
# repo, keyed by version. Prints the bin dir on the last line.
#   build.sh [core]  etcd, kube-apiserver, kube-controller-manager and kubectl
#                    (skipped when KUBEBUILDER_ASSETS or the cache already holds them)
#   build.sh pods    kube-scheduler and kwok, plus KWOK's Stage files (kwok-stages/), for
#                    control planes started with pods (skipped when HONO_PODS_ASSETS or the
#                    cache already holds them)
#   build.sh certmanager
#                    cert-manager-controllers (our main in test/certmanager/, running
#                    cert-manager's own controllers) plus the same version's CRDs (crds/)
#                    (skipped when HONO_CERT_MANAGER_ASSETS or the cache already holds them)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
mode=${1:-core}
cache_root=${HONO_CONTROLPLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hono-tls-operator/controlplane}
case "$mode" in
  core)
    bins=(etcd kube-apiserver kube-controller-manager kubectl)
    override_var=KUBEBUILDER_ASSETS
    dest="$cache_root/k8s-$K8S_VERSION-etcd-$ETCD_VERSION"
    ;;
  pods)
    bins=(kube-scheduler kwok)
    override_var=HONO_PODS_ASSETS
    dest="$cache_root/pods-k8s-$K8S_VERSION-kwok-$KWOK_VERSION"
    ;;
  certmanager)
    bins=(cert-manager-controllers)
    override_var=HONO_CERT_MANAGER_ASSETS
    cm_src=$(cd "$here/../certmanager" && pwd)
    # The version is pinned in that module's go.mod; the key also covers our own sources.
    CERT_MANAGER_VERSION=$(sed -nE 's#^(require)?[[:space:]]*github.com/cert-manager/cert-manager (v[^ ]+).*#\2#p' "$cm_src/go.mod")
    [ -n "$CERT_MANAGER_VERSION" ] || { printf '[controlplane] ERROR: %s requires no github.com/cert-manager/cert-manager version\n' "$cm_src/go.mod" >&2; exit 1; }
    src_key=$(cat "$cm_src/go.mod" "$cm_src/go.sum" "$cm_src"/*.go | sha256sum | cut -c1-12)
    dest="$cache_root/cert-manager-$CERT_MANAGER_VERSION-$src_key"
    ;;
  *) printf '[controlplane] ERROR: unknown mode "%s": use `build.sh` (core), `build.sh pods` or `build.sh certmanager`\n' "$mode" >&2; exit 2 ;;
esac
# KWOK's Stage sets (directories of the kwok module's kustomize/stage/) that drive fake nodes
# and pods: nodes become Ready at once and keep a heartbeat; pods take seconds to start and go.
kwok_stage_sets=(node/fast node/heartbeat pod/general)

say() { printf '[controlplane] %s\n' "$*" >&2; }
fail() { printf '[controlplane] ERROR: %s\n' "$*" >&2; exit 1; }
have_all() {
  local d=$1
  for b in "${bins[@]}"; do [ -x "$d/$b" ] || return 1; done
  if [ "$mode" = pods ]; then compgen -G "$d/kwok-stages/*.yaml" >/dev/null || return 1; fi
  if [ "$mode" = certmanager ]; then compgen -G "$d/crds/*.yaml" >/dev/null || return 1; fi
  return 0
}

override=${!override_var:-}
if [ -n "$override" ] && have_all "$override"; then
  say "using $override_var=$override (nothing to build)"
  echo "$override"; exit 0
fi
if have_all "$dest"; then
  say "cached: $dest"
  echo "$dest"; exit 0
fi
if [ -n "${HONO_CONTROLPLANE_NO_BUILD:-}" ]; then
  # Set by callers that cannot wait minutes (a test file starting its own control plane).
  fail "not built yet: run \`bash test/controlplane/build.sh${1:+ $1}\` first (cold: several minutes; then cached in $dest)"
fi
if [ -n "$override" ]; then
  say "$override_var=$override lacks some of: ${bins[*]} $(case $mode in pods) echo 'kwok-stages/*.yaml' ;; certmanager) echo 'crds/*.yaml' ;; esac); building into the cache instead"
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

module_dir() { # module_dir MODULE@VERSION: its directory in the Go module cache (downloads it)
  go mod download -json "$1" | sed -n 's/.*"Dir": "\(.*\)",*/\1/p'
}

# k8s.io/kubernetes requires its staging modules at v0.0.0 with local replaces, so a module of
# ours maps every one to its published version. Writes $work/k8s/go.mod.
k8s_module() {
  step "k8s.io/kubernetes $K8S_VERSION: fetch go.mod" go mod download -json "k8s.io/kubernetes@$K8S_VERSION"
  local upstream_mod
  upstream_mod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
  [ -f "$upstream_mod" ] || fail "could not read k8s.io/kubernetes@$K8S_VERSION's go.mod from the module proxy"
  local staging_version="v0.${K8S_VERSION#v1.}"
  mkdir -p "$work/k8s"
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
  local n
  n=$(grep -c '^replace' "$work/k8s/go.mod")
  [ "$n" -gt 10 ] || fail "found only $n staging modules in k8s.io/kubernetes@$K8S_VERSION's go.mod"
  say "mapped $n staging modules to $staging_version"
}

k8s_main() { # k8s_main NAME: writes $work/k8s/NAME/main.go from stdin
  mkdir -p "$work/k8s/$1"
  cat >"$work/k8s/$1/main.go"
}

k8s_build() { # k8s_build NAME...: resolves the k8s module, then builds each main into $dest.partial
  step "k8s $K8S_VERSION: resolve modules" bash -c "cd '$work/k8s' && go mod tidy"
  local ver="-X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2) -X k8s.io/component-base/version.gitTreeState=clean"
  for b in "$@"; do
    step "$b $K8S_VERSION: build (cold: several minutes)" bash -c "cd '$work/k8s' && go build -trimpath -ldflags '-s -w $ver' -o '$dest.partial/$b' ./$b"
  done
}

build_core() {
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

  k8s_module
  k8s_main kube-apiserver <<'GO'
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() { os.Exit(cli.Run(app.NewAPIServerCommand())) }
GO
  k8s_main kube-controller-manager <<'GO'
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() { os.Exit(cli.Run(app.NewControllerManagerCommand())) }
GO
  k8s_main kubectl <<'GO'
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
  k8s_build kube-apiserver kube-controller-manager kubectl
}

build_pods() {
  # --- kube-scheduler, from the same k8s.io/kubernetes build as the apiserver.
  k8s_module
  k8s_main kube-scheduler <<'GO'
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-scheduler/app"
)

func main() { os.Exit(cli.Run(app.NewSchedulerCommand())) }
GO
  k8s_build kube-scheduler

  # --- kwok: its module has no replace directives, so go install builds it as published.
  step "kwok $KWOK_VERSION: build" env -u GOFLAGS GOBIN="$dest.partial" \
    go install -trimpath -ldflags '-s -w' "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  local kwok_dir
  kwok_dir=$(module_dir "sigs.k8s.io/kwok@$KWOK_VERSION")
  [ -d "$kwok_dir/kustomize/stage" ] || fail "sigs.k8s.io/kwok@$KWOK_VERSION has no kustomize/stage/ in the module cache ($kwok_dir)"
  mkdir -p "$dest.partial/kwok-stages"
  local set f n=0
  for set in "${kwok_stage_sets[@]}"; do
    [ -d "$kwok_dir/kustomize/stage/$set" ] || fail "sigs.k8s.io/kwok@$KWOK_VERSION has no Stage set kustomize/stage/$set"
    for f in "$kwok_dir/kustomize/stage/$set"/*.yaml; do
      [ "$(basename "$f")" = kustomization.yaml ] && continue
      # One file per Stage, named after its set, e.g. pod-general-pod-ready.yaml.
      install -m 0644 "$f" "$dest.partial/kwok-stages/$(echo "$set" | tr / -)-$(basename "$f")"
      n=$((n + 1))
    done
  done
  say "copied $n KWOK Stage files (${kwok_stage_sets[*]}) from $kwok_dir"
}

build_certmanager() {
  # go.sum is committed: build exactly what it pins, never rewrite it.
  step "cert-manager $CERT_MANAGER_VERSION controllers: build (cold: several minutes)" bash -c \
    "cd '$cm_src' && GOFLAGS=-mod=readonly go build -trimpath -ldflags '-s -w' -o '$dest.partial/cert-manager-controllers' ."
  local cm_dir
  cm_dir=$(module_dir "github.com/cert-manager/cert-manager@$CERT_MANAGER_VERSION")
  compgen -G "$cm_dir/deploy/crds/crd-*.yaml" >/dev/null || fail "github.com/cert-manager/cert-manager@$CERT_MANAGER_VERSION has no deploy/crds/crd-*.yaml ($cm_dir)"
  mkdir -p "$dest.partial/crds"
  # As published: their Helm template lines are YAML comments or label values, which the
  # harness drops when it installs them.
  install -m 0644 "$cm_dir"/deploy/crds/crd-*.yaml "$dest.partial/crds/"
  say "copied $(ls "$dest.partial/crds" | wc -l) CRD files from $cm_dir/deploy/crds"
}

"build_$mode"
rm -rf "$dest" && mv "$dest.partial" "$dest"
say "binaries ready in $dest ($(du -sh "$dest" | cut -f1))"
echo "$dest"
