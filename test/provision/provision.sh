#!/usr/bin/env bash
# Provisions this machine for the tests: `npm test` runs it first, .ci/run runs it as a step.
# Keeps what is present; where it cannot install (not root, no apt-get) it stops at once with
# the command to run, before any test starts.
#   1. Debian packages, system-wide through apt-get: a JDK (java, javac, keytool), openssl,
#      Maven, and Qpid Proton for Python (python3-qpid-proton, for /usr/bin/python3).
#   2. Extension point: every test/peers/*/provision.sh, in name order (each may source
#      test/provision/lib.sh and declare Debian packages with need_debian, e.g. Maven, then
#      fetch what it needs into ~/.cache/hono-tls-operator).
#   3. The control plane binaries (test/controlplane/build.sh: built from Go modules into
#      ~/.cache/hono-tls-operator/controlplane once; nothing when cached or KUBEBUILDER_ASSETS),
#      and its opt-in parts (build.sh pods: kube-scheduler + KWOK; build.sh certmanager).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib.sh
source "$root/test/provision/lib.sh"
cache=${HONO_CONTROLPLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hono-tls-operator/controlplane}
provision_say "installs what the tests need if missing: JDK, openssl, Maven, python3-qpid-proton (Debian packages, system-wide via apt-get), peers' test/peers/*/provision.sh, control plane binaries incl. kube-scheduler, KWOK and cert-manager's controllers (built from Go modules into $cache)"

need_debian "java/javac/keytool" 'command -v java && command -v javac && command -v keytool' jdk
need_debian "openssl" 'command -v openssl' openssl
need_debian "Maven (fetches real Hono for test/peers/hono)" 'command -v mvn' maven
# The tests use the first python3 on PATH that has Proton, else /usr/bin/python3 (Debian's package).
need_debian "Qpid Proton for Python" "python3 -c 'import proton' || /usr/bin/python3 -c 'import proton'" python3-qpid-proton
install_debian_needs
proton=$(for py in python3 /usr/bin/python3; do $py -c 'import proton; print(".".join(map(str, proton.VERSION)), "in", __import__("sys").executable)' 2>/dev/null && break; done)
provision_say "present: $(java -version 2>&1 | head -1), $(openssl version | cut -d' ' -f1-2), Qpid Proton $proton"

shopt -s nullglob
for script in "$root"/test/peers/*/provision.sh; do
  provision_say "${script#"$root"/} ..."
  bash "$script" || provision_fail "${script#"$root"/} failed (output above)"
done

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then export PATH="/usr/local/go/bin:$PATH"; fi
bash "$root/test/controlplane/build.sh" >/dev/null
# Opt-in parts some tests start: kube-scheduler + KWOK (Pods that really roll) and cert-manager's controllers.
bash "$root/test/controlplane/build.sh" pods >/dev/null
bash "$root/test/controlplane/build.sh" certmanager >/dev/null
