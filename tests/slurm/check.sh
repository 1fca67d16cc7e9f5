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
