#!/usr/bin/env bash
# Side-by-side run of `corridor mapf --solver cbs` / `--solver eecbs --w 1.2` and EECBS
# (Jiaoyang-Li/EECBS, w = 1.2, its default options; built beside the project, never
# committed) on the shared MovingAI maps: the first N agents of scenarios random-1 to
# random-5, one run per cell, sequentially, 30 s each.
#
#   CORRIDOR=target/release/corridor EECBS=../ref/eecbs/eecbs benches/compare-eecbs.sh > compare.tsv
#
# CASES (map:N:scenarios), LIMIT, W and SOLVERS narrow the runs (see their defaults below).
# Prints one tab-separated line per run:
#   solver map agents scen solved time_s soc soc_lb wall_s search_lb cpu_s
# time_s is the solver's own figure (Corridor: wall time of `solve`, its distance tables
# included; EECBS: its `runtime`, CPU time (clock()) after its preprocessing); wall_s and
# cpu_s (user + system) are the whole process's, map loading included. On a loaded
# machine compare cpu_s: EECBS's time limit is CPU time, Corridor's is wall time. soc is the sum of costs (each agent's last arrival at its goal;
# both count it the same way), soc_lb the sum of the agents' shortest-path distances (the
# same figure for all solvers: EECBS's "root g value"), search_lb EECBS's proven lower
# bound ("min f value"; "-" for Corridor).
set -euo pipefail
B=${MOVINGAI:-../shared/benchmarks/movingai}
CORRIDOR=${CORRIDOR:-target/release/corridor}
EECBS=${EECBS:-../ref/eecbs/eecbs}
OUT=$(mktemp -d)
CASES=${CASES:-"random-32-32-20:50:12345 random-32-32-20:100:12345 random-32-32-20:150:12345
  random-32-32-20:200:123 warehouse-10-20-10-2-1:100:12345 warehouse-10-20-10-2-1:200:12345
  warehouse-10-20-10-2-1:300:123 warehouse-10-20-10-2-1:500:123 empty-32-32:100:12345
  empty-32-32:200:123 maze-32-32-2:20:12345 maze-32-32-2:50:123"}
LIMIT=${LIMIT:-30}
W=${W:-1.2}
SOLVERS=${SOLVERS:-"cbs eecbs EECBS"}
field() { grep -m1 "^$1=" "$2" | cut -d= -f2; }
now() { date +%s.%N; }
for case in $CASES; do
  IFS=: read -r map n scens <<< "$case"
  for s in $(echo "$scens" | grep -o .); do
    scen=$B/scen/$map-random-$s.scen
    for solver in $SOLVERS; do
      f=$OUT/$solver-$map-$n-$s
      name=$solver
      [ "$solver" = EECBS ] || name=corridor-$solver
      rm -f "$f"
      t0=$(now)
      if [ "$solver" = EECBS ]; then
        /usr/bin/time -o "$f.cpu" -f '%U %S' timeout $((LIMIT + 30)) "$EECBS" -m "$B/maps/$map.map" -a "$scen" -k "$n" -t "$LIMIT" \
          --suboptimality="$W" -o "$f" -s 0 > /dev/null 2>&1 || true
      else
        /usr/bin/time -o "$f.cpu" -f '%U %S' timeout $((LIMIT + 30)) "$CORRIDOR" mapf --map "$B/maps/$map.map" --scen "$scen" \
          --agents "$n" --solver "$solver" --w "$W" --time-limit "${LIMIT}s" --out "$f" \
          > /dev/null 2>&1 || true
      fi
      wall=$(echo "$(now) - $t0" | bc)
      cpu=$(tail -1 "$f.cpu" 2> /dev/null | awk 'NF == 2 { printf "%.2f", $1 + $2 }')
      cpu=${cpu:--}
      if [ ! -s "$f" ]; then
        printf '%s\t%s\t%s\t%s\t0\t-\t-\t-\t%.3f\t-\t%s\n' "$name" "$map" "$n" "$s" "$wall" "$cpu"
      elif [ "$solver" = EECBS ]; then
        # runtime, ..., solution cost (6), min f value (7), root g value (8)
        IFS=, read -r rt _ _ _ _ cost minf rootg _ < <(sed -n 2p "$f")
        if [ "${cost%%.*}" -ge 0 ]; then
          printf '%s\t%s\t%s\t%s\t1\t%.3f\t%s\t%s\t%.3f\t%s\t%s\n' "$solver" "$map" "$n" "$s" \
            "$rt" "$cost" "$rootg" "$wall" "$minf" "$cpu"
        else
          printf '%s\t%s\t%s\t%s\t0\t-\t-\t%s\t%.3f\t%s\t%s\n' "$solver" "$map" "$n" "$s" \
            "$rootg" "$wall" "$minf" "$cpu"
        fi
      else
        if [ "$(field solved "$f")" = 1 ]; then
          printf '%s\t%s\t%s\t%s\t1\t%.3f\t%s\t%s\t%.3f\t-\t%s\n' "$name" "$map" "$n" "$s" \
            "$(echo "$(field comp_time "$f") / 1000" | bc -l)" "$(field soc "$f")" \
            "$(field soc_lb "$f")" "$wall" "$cpu"
        else
          printf '%s\t%s\t%s\t%s\t0\t-\t-\t%s\t%.3f\t-\t%s\n' "$name" "$map" "$n" "$s" \
            "$(field soc_lb "$f")" "$wall" "$cpu"
        fi
      fi
    done
  done
done
rm -rf "$OUT"
