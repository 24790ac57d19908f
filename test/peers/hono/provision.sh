#!/usr/bin/env bash
# Fetches real Hono (the version in versions.env) with Maven into a cache outside the repo, keyed
# by version, and compiles our Java peers (java/*.java) against Hono's client classes.
# Idempotent: a warm cache whose stamp matches the poms and peer sources returns without running
# Maven. Prints one line: what is installed and where. Override the cache dir with REAL_HONO_CACHE
# (not HONO_*: the Hono services bind every HONO_* variable as configuration).
#
# Cache layout (read by test/peers/hono/install.ts):
#   m2/                     the Maven local repository (Hono's jars and their runtime deps)
#   classpath/<svc>.txt     one classpath line per service: auth, mqtt, http
#   peer/                   our compiled Java peers
#   classpath/stamp, peer/stamp   hashes of what produced them
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
cache=${REAL_HONO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hono-tls-operator/hono-$REAL_HONO_VERSION}
services=(auth mqtt http)

say() { printf '[real-hono] %s\n' "$*" >&2; }
fail() { printf '[real-hono] ERROR: %s\n' "$*" >&2; exit 1; }

# Two stamps: Maven's result depends on the version and poms; the peers' on their sources too.
deps_stamp=$( { echo "$REAL_HONO_VERSION"; cat "$here"/maven/pom.xml "$here"/maven/*/pom.xml; } | sha256sum | cut -c1-16)
peer_stamp=$( { echo "$deps_stamp"; cat "$here"/java/*.java; } | sha256sum | cut -c1-16)
deps_ok() {
  [ "$(cat "$cache/classpath/stamp" 2>/dev/null)" = "$deps_stamp" ] || return 1
  local s; for s in "${services[@]}"; do [ -s "$cache/classpath/$s.txt" ] || return 1; done
}
peer_ok() { [ "$(cat "$cache/peer/stamp" 2>/dev/null)" = "$peer_stamp" ]; }
if deps_ok && peer_ok; then
  echo "real Hono $REAL_HONO_VERSION (${services[*]}) and Java peers: cached in $cache"
  exit 0
fi

t0=$SECONDS
command -v java >/dev/null || fail "no java on PATH: install a JDK >= 17 (apt-get install openjdk-17-jdk-headless)"
command -v javac >/dev/null || fail "no javac on PATH: install a JDK >= 17 (apt-get install openjdk-17-jdk-headless)"
mkdir -p "$cache"
if ! deps_ok; then
  command -v mvn >/dev/null || fail "no mvn on PATH: install Maven (apt-get install maven)"
  rm -rf "$cache/maven" "$cache/classpath"
  cp -r "$here/maven" "$cache/maven"
  log="$cache/maven.log"
  say "resolving Hono $REAL_HONO_VERSION services with Maven into $cache/m2 (cold: about a minute) ..."
  if ! mvn -B -q -f "$cache/maven/pom.xml" -Dmaven.repo.local="$cache/m2" -Dhono.version="$REAL_HONO_VERSION" \
    -Dclasspath.dir="$cache/classpath" dependency:build-classpath >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    fail "Maven could not resolve Hono $REAL_HONO_VERSION (log: $log); is Maven Central reachable?"
  fi
  for s in "${services[@]}"; do [ -s "$cache/classpath/$s.txt" ] || fail "Maven wrote no classpath for $s (log: $log)"; done
  echo "$deps_stamp" >"$cache/classpath/stamp"
fi

# The peers use Hono's client classes, which the Auth Server's classpath holds.
rm -rf "$cache/peer.partial" && mkdir -p "$cache/peer.partial"
javac -nowarn -d "$cache/peer.partial" -cp "$(cat "$cache/classpath/auth.txt")" "$here"/java/*.java 2>"$cache/javac.log" \
  || { cat "$cache/javac.log" >&2; fail "compiling test/peers/hono/java failed"; }
echo "$peer_stamp" >"$cache/peer.partial/stamp"
rm -rf "$cache/peer" && mv "$cache/peer.partial" "$cache/peer"
echo "real Hono $REAL_HONO_VERSION (${services[*]}: $(du -sh "$cache/m2" | cut -f1) of jars) and Java peers: installed in $cache in $((SECONDS - t0))s"
