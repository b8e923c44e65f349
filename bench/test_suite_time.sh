#!/usr/bin/env bash
# Wall time of the full test command (`make test`) and of the fast set (`make test-fast`), as a
# developer runs them. Prints machine facts first: these figures depend on the load at the time.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM," \
     "$(.venv/bin/python --version), load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
for target in test test-fast; do
  start=$(date +%s.%N)
  # PYTEST_ADDOPTS only adds the slowest-tests report; the command is the Makefile's own.
  if PYTEST_ADDOPTS="--durations=5" make --no-print-directory "$target" >"/tmp/regzone-bench-$target.log" 2>&1; then status=passed; else status=FAILED; fi
  end=$(date +%s.%N)
  summary=$(grep -E '^=+ .*(passed|failed|error).* in ' "/tmp/regzone-bench-$target.log" | tail -1 | tr -d '=')
  printf 'make %-9s %6.1f s  %s (%s)  log: /tmp/regzone-bench-%s.log\n' \
    "$target" "$(echo "$end - $start" | bc)" "$status" "${summary# }" "$target"
done
echo "slowest tests of the full run:"
sed -n '/slowest 5 durations/,/^$/p' /tmp/regzone-bench-test.log | sed -n '2,6p'
