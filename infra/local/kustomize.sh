#!/usr/bin/env bash
# kustomize, which renders deploy/kubernetes, built once from its Go module into a cache directory.
#
#   bash infra/local/kustomize.sh          install it unless it is already there; prints the binary's path
#   bash infra/local/kustomize.sh --path   prints where the binary is (or would be), installs nothing
#
# The path follows XDG_CACHE_HOME (default ~/.cache) and the version below, so the test of the manifests
# (test/integration/deploy) finds the same binary; TRIBUTARY_KUSTOMIZE, when set, overrides that for the test.
# Needs Go (on PATH or in /usr/local/go) and the Go module proxy. Progress goes to stderr, the path to stdout.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Builds with Go 1.24 or later; v5.8.2 asks for Go 1.26 and v5.8.3 for Go 1.27, which a machine with an older Go
# would have to fetch as another toolchain.
readonly KUSTOMIZE_VERSION=v5.8.1
readonly MODULE=sigs.k8s.io/kustomize/kustomize/v5
readonly INSTALL_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/tributary-local/kustomize-$KUSTOMIZE_VERSION"
readonly BIN="$INSTALL_DIR/kustomize"

installed() {
  [[ -x "$BIN" ]] && [[ "$("$BIN" version 2>/dev/null)" == "$KUSTOMIZE_VERSION" ]]
}

find_go() {
  local candidate
  for candidate in "$(command -v go 2>/dev/null || true)" /usr/local/go/bin/go; do
    if [[ -n "$candidate" && -x "$candidate" ]]; then
      echo "$candidate"
      return 0
    fi
  done
  die "kustomize $KUSTOMIZE_VERSION is built from its Go module, and there is no Go here: install Go 1.24 or later"
}

install() {
  mkdir -p "$INSTALL_DIR"
  # Two installs at once (the test runner and a shell) would race on the same file.
  take_lock "$INSTALL_DIR/.lock"
  if installed; then return 0; fi
  local go gobin
  go="$(find_go)"
  gobin="$(mktemp -d "$INSTALL_DIR/gobin.XXXXXX")"
  log "building kustomize $KUSTOMIZE_VERSION from the Go module proxy (half a minute the first time)"
  # Run outside the repository, so that no go.mod or go.work around the caller takes part.
  if ! (cd / && GOFLAGS='' GOBIN="$gobin" "$go" install "$MODULE@$KUSTOMIZE_VERSION") >&2; then
    rm -rf "$gobin"
    die "go install $MODULE@$KUSTOMIZE_VERSION failed"
  fi
  mv -f "$gobin/kustomize" "$BIN"
  rm -rf "$gobin"
  installed || die "the kustomize just built ($BIN) does not report version $KUSTOMIZE_VERSION"
}

case "${1:-}" in
--path) ;;
'') installed || install ;;
*) die "usage: bash infra/local/kustomize.sh [--path]" ;;
esac
echo "$BIN"
