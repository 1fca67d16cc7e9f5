# What a dap-<stage> exit status means (src/core/base/exit_codes.h), for the job log.
# Sourced by jobs/lib/slurm_stage.sh and jobs/lib/local_stage.sh:
#   dap_explain_exit STAGE STATUS
# prints one line for a known non-zero status (to stderr); 75 is left to the caller,
# which requeues or says how to continue (as it does for 76).

dap_explain_exit() {
  local stage=$1 status=$2 what
  case $status in
    0 | 75) return 0 ;;
    1) what="an unexpected error on one rank; the MPI job was aborted. That rank's 'fatal:' line says why" ;;
    2) what="a config or command-line error; rank 0's message above names the file and key" ;;
    3) what="input that cannot be used as it is; rank 0's 'input error:' line above says which and why" ;;
    4) what="a non-finite training loss; rank 0's message above names the step and the last good checkpoint" ;;
    74)
      what="out of disk space or quota; rank 0's 'out of disk space' line above names the file. Free space"
      what+=" (or raise the quota) and submit the same job again: it continues from what was finished. Not requeued"
      ;;
    76)
      what="a rank stopped answering the others for run.stall_timeout_s (a node of the job was lost, or hangs)."
      what+=" A Slurm job is requeued and continues from its newest checkpoint once nodes are up; elsewhere run the"
      what+=" same command again"
      ;;
    *) return 0 ;;
  esac
  echo "== dap-$stage: exit $status: $what" >&2
}
