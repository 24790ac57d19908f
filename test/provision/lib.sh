# shellcheck shell=bash
# Helpers for provisioning scripts (sourced by test/provision/provision.sh and by any
# test/peers/*/provision.sh): declare Debian packages with `need_debian`, then install them all
# at once with `install_debian_needs`, which stops at once with the exact command to run where
# it cannot install (not root, no apt-get).

provision_say() { printf '[provision] %s\n' "$*" >&2; }
provision_fail() { printf '[provision] ERROR: %s\n' "$*" >&2; exit 1; }

PROVISION_DEBIAN_NEEDS=()
PROVISION_DEBIAN_WHY=()

# need_debian "WHAT" "CHECK" PACKAGE...: PACKAGEs are needed unless the shell command CHECK succeeds.
need_debian() {
  local what=$1 check=$2; shift 2
  if ! bash -c "$check" >/dev/null 2>&1; then
    PROVISION_DEBIAN_NEEDS+=("$@")
    PROVISION_DEBIAN_WHY+=("$what")
  fi
}

# The JDK package this Debian release has (17 where it exists, else the release's default).
debian_jdk_package() {
  local p
  for p in openjdk-17-jdk-headless default-jdk-headless; do
    if apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [0-9]'; then echo "$p"; return; fi
  done
  echo openjdk-17-jdk-headless
}

install_debian_needs() {
  [ ${#PROVISION_DEBIAN_NEEDS[@]} -eq 0 ] && return 0
  local pkgs=() p
  for p in "${PROVISION_DEBIAN_NEEDS[@]}"; do
    [ "$p" = jdk ] && p=$(debian_jdk_package)
    pkgs+=("$p")
  done
  local missing
  missing=$(printf '%s, ' "${PROVISION_DEBIAN_WHY[@]}"); missing=${missing%, }
  if ! command -v apt-get >/dev/null 2>&1; then
    provision_fail "missing: $missing. No apt-get here: install them with your package manager (Debian names: ${pkgs[*]}; Proton for Python also: python3 -m pip install python-qpid-proton), then run again."
  fi
  if [ "$(id -u)" -ne 0 ]; then
    provision_fail "missing: $missing. Installing needs root; run:  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${pkgs[*]}  and then run again."
  fi
  provision_say "apt-get install ${pkgs[*]} (for: $missing)"
  export DEBIAN_FRONTEND=noninteractive
  local log; log=$(mktemp)
  # apt's output (debconf notes and all) is shown only when it fails.
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${pkgs[@]}"; } >"$log" 2>&1; then
    tail -n 20 "$log" >&2; rm -f "$log"
    provision_fail "apt-get install ${pkgs[*]} failed (its last lines above)"
  fi
  rm -f "$log"
  PROVISION_DEBIAN_NEEDS=()
  PROVISION_DEBIAN_WHY=()
}
