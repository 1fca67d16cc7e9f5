#!/usr/bin/env bash
# Smoke test of the one-node test cluster (tests/slurm/slurm_cluster.sh): a plain job, a
# 2-task MPI job (mpirun and srun --mpi=pmix), a job array and an afterok chain whose first
# job fails. Run by ctest as slurm.test_slurm_cluster; exit 77 = skipped (no Slurm here).
# shellcheck disable=SC2016  # job commands in single quotes expand inside the job
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/slurm/slurm_cluster.sh
source "$here/slurm_cluster.sh"

source "$here/check.sh"

trap slurm_cluster_stop EXIT
slurm_cluster_start
W=$SLURM_TEST_DIR/work
submit() { sbatch --parsable --chdir="$W" "$@"; }

# (a) One task writes a file.
echo "== (a) one-task job writes a file"
a=$(submit -J smoke-a -n 1 -t 1 -o "$W/a-%j.out" --wrap 'echo "written by job $SLURM_JOB_ID" > a.txt')
a_state=$(slurm_wait_job "$a" 60) || true
check "job $a COMPLETED" same "$a_state" COMPLETED
check "a.txt names job $a" same "$(cat "$W/a.txt" 2>/dev/null)" "written by job $a"

# (b) Two tasks, one MPI rank each, started by mpirun (inside the allocation) and by srun.
echo "== (b) 2-task MPI job"
cat >"$W/b.sbatch" <<'EOF'
#!/bin/bash
set -euo pipefail
mpirun --allow-run-as-root --oversubscribe -np "$SLURM_NTASKS" hostname > b-hostname.txt
mpirun --allow-run-as-root --oversubscribe -np "$SLURM_NTASKS" \
  sh -c 'echo "rank $OMPI_COMM_WORLD_RANK of $OMPI_COMM_WORLD_SIZE"' | sort > b-mpirun.txt
srun --mpi=pmix -n "$SLURM_NTASKS" sh -c 'echo "rank $PMIX_RANK of $SLURM_NTASKS"' | sort > b-srun.txt
EOF
b=$(submit -J smoke-b -n 2 -t 2 -o "$W/b-%j.out" "$W/b.sbatch")
b_state=$(slurm_wait_job "$b" 120) || true
two_ranks=$'rank 0 of 2\nrank 1 of 2'
check "job $b COMPLETED" same "$b_state" COMPLETED
check "mpirun -np 2 hostname printed 2 lines" same "$(wc -l <"$W/b-hostname.txt" 2>/dev/null)" 2
check "mpirun started ranks 0 and 1 of 2" same "$(cat "$W/b-mpirun.txt" 2>/dev/null)" "$two_ranks"
check "srun --mpi=pmix started ranks 0 and 1 of 2" same "$(cat "$W/b-srun.txt" 2>/dev/null)" "$two_ranks"
[[ $b_state == COMPLETED ]] || show_log "$W/b-$b.out"

# (c) A job array of 3 tasks, one log per task.
echo "== (c) job array of 3 tasks"
c=$(submit -J smoke-c -n 1 -t 1 --array=0-2 -o "$W/c-%A_%a.out" \
  --wrap 'echo "task $SLURM_ARRAY_TASK_ID of $SLURM_ARRAY_TASK_COUNT in $SLURM_ARRAY_JOB_ID"')
c_state=$(slurm_wait_job "$c" 120) || true
check "array $c COMPLETED (all tasks)" same "$c_state" COMPLETED
for i in 0 1 2; do
  check "task $i printed its SLURM_ARRAY_TASK_ID" \
    same "$(cat "$W/c-${c}_$i.out" 2>/dev/null)" "task $i of 3 in $c"
done

# (d) afterok chain: the first job fails, its dependent is cancelled and never runs.
echo "== (d) afterok chain with a failing first job"
d1=$(submit -J smoke-d1 -n 1 -t 1 -o "$W/d1-%j.out" --wrap 'exit 3')
d2=$(submit -J smoke-d2 -n 1 -t 1 -o "$W/d2-%j.out" --dependency="afterok:$d1" --wrap 'touch d2-ran')
d1_state=$(slurm_wait_job "$d1" 60) || true
d2_state=$(slurm_wait_job "$d2" 60) || true
check "job $d1 FAILED" same "$d1_state" FAILED
check "job $d1 exit code 3" same "$(scontrol show job -o "$d1" | grep -o 'ExitCode=[0-9:]*')" "ExitCode=3:0"
check "dependent job $d2 CANCELLED" same "$d2_state" CANCELLED
check "dependent job $d2 never ran" test ! -e "$W/d2-ran"
wait_fails() { ! slurm_wait_job "$1" 5 >/dev/null; }
check "slurm_wait_job returns non-zero for FAILED" wait_fails "$d1"

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
