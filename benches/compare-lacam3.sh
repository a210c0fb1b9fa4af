#!/usr/bin/env bash
# Side-by-side run of `corridor mapf` (LaCAM*) and LaCAM3 (Kei18/lacam3, built beside the
# project, never committed) on the shared MovingAI maps: the first N agents of scenarios
# random-1 to random-5, time limits 1 s and 10 s, one run per cell, sequentially.
#
#   CORRIDOR=target/release/corridor LACAM3=../ref/lacam3/build/main benches/compare-lacam3.sh > compare.tsv
#
# CASES, SCENS, LIMITS and SOLVERS narrow the runs (see their defaults below).
# Prints one tab-separated line per run: solver map agents scen limit_s solved
# first_ms soc soc_lb sum_of_loss comp_ms.
set -euo pipefail
B=${MOVINGAI:-../shared/benchmarks/movingai}
CORRIDOR=${CORRIDOR:-target/release/corridor}
LACAM3=${LACAM3:-../ref/lacam3/build/main}
OUT=$(mktemp -d)
CASES=${CASES:-"random-32-32-20:400 warehouse-10-20-10-2-1:1000 maze-32-32-2:333 empty-32-32:512"}
SCENS=${SCENS:-"1 2 3 4 5"}
LIMITS=${LIMITS:-"1 10"}
SOLVERS=${SOLVERS:-"corridor lacam3"}
field() { grep -m1 "^$1=" "$2" | cut -d= -f2; }
for case in $CASES; do
  map=${case%%:*}
  n=${case##*:}
  for s in $SCENS; do
    scen=$B/scen/$map-random-$s.scen
    for t in $LIMITS; do
      for solver in $SOLVERS; do
        f=$OUT/$solver-$map-$n-$s-$t.txt
        if [ "$solver" = corridor ]; then
          timeout $((t + 60)) "$CORRIDOR" mapf --map "$B/maps/$map.map" --scen "$scen" --agents "$n" \
            --solver lacam --time-limit "${t}s" --out "$f" > /dev/null || true
        else
          timeout $((t + 60)) "$LACAM3" -m "$B/maps/$map.map" -i "$scen" -N "$n" -t "$t" -o "$f" > /dev/null 2>&1 || true
        fi
        if [ -s "$f" ]; then
          printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$solver" "$map" "$n" "$s" "$t" \
            "$(field solved "$f")" "$(field comp_time_initial_solution "$f")" "$(field soc "$f")" \
            "$(field soc_lb "$f")" "$(field sum_of_loss "$f")" "$(field comp_time "$f")"
        else
          printf '%s\t%s\t%s\t%s\t%s\t0\t-\t-\t-\t-\t-\n' "$solver" "$map" "$n" "$s" "$t"
        fi
      done
    done
  done
done
rm -rf "$OUT"
