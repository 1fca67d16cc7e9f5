# Sourced by the Slurm tests: report each check as ok/FAIL and count failures.
failures=0
check() { # check DESCRIPTION COMMAND...: run COMMAND, report ok/FAIL
  local what=$1
  shift
  if "$@"; then
    echo "ok   - $what"
  else
    echo "FAIL - $what"
    failures=$((failures + 1))
  fi
}
same() { [[ $1 == "$2" ]] || { echo "       expected '$2', got '$1'"; return 1; }; }
show_log() { echo "----- $1"; cat "$1" 2>/dev/null || echo "(missing)"; }
log_has() { grep -qF -- "$2" "$1" 2>/dev/null; }

# skip_unless_ready PROGRAM...: exit 77 (skipped) unless every bin/PROGRAM is built under
# $DAP_BUILD_DIR and the demo videos are under $assets.
skip_unless_ready() {
  local program
  for program in "$@"; do
    if [[ ! -x $DAP_BUILD_DIR/bin/$program ]]; then
      echo "SKIP: $DAP_BUILD_DIR/bin/$program is not built (bash scripts/build.sh)"
      exit 77
    fi
  done
  if [[ ! -d $assets/videos/real ]]; then
    echo "SKIP: demo videos $assets/videos/real are missing (bash scripts/fetch_assets.sh)"
    exit 77
  fi
}
