#!/usr/bin/env bash
# Side-by-side run of `corridor lifelong --tasks rhcr` and RHCR (Jiaoyang-Li/RHCR, built
# beside the project from its own README, never committed) on RHCR's two warehouse maps,
# read from the RHCR checkout at run time (its licence is research-only: the maps are not in
# this repository). One run per cell, sequentially.
#
#   RHCR=../ref/rhcr CORRIDOR=target/release/corridor benches/rhcr-vs-corridor.sh > out.tsv
#
# CASES narrows the runs: "scenario:agents:steps" with scenario KIVA (fulfillment warehouse,
# maps/kiva.map) or SORTING (sorting centre, maps/sorting_map.grid). SOLVERS is
# "corridor rhcr" by default; RHCR_BIN is RHCR's `lifelong` binary ($RHCR/build/lifelong).
# RHCR runs with PBS, planning window w = 10, replanning period h = 5 (its README's command
# for the sorting centre), seed $SEED (default 0); Corridor with lifelong PIBT, seed
# $SEED + 1, its default `--guidance auto` (guide paths on the two-way fulfillment
# warehouse, off on the one-way sorting centre); CORRIDOR_ARGS adds options (e.g.
# "--solver window" for the windowed search, "--guidance off" for plain PIBT).
# Prints one tab-separated line per run: solver seed scenario agents steps tasks_finished
# throughput wall_s note.
set -euo pipefail
RHCR=${RHCR:-../ref/rhcr}
CORRIDOR=${CORRIDOR:-target/release/corridor}
RHCR_BIN=${RHCR_BIN:-$RHCR/build/lifelong}
CASES=${CASES:-"KIVA:100:5000 SORTING:1000:500"}
SOLVERS=${SOLVERS:-"corridor rhcr"}
SEED=${SEED:-0}
OUT=$(mktemp -d)
for case in $CASES; do
  IFS=: read -r scenario agents steps <<< "$case"
  case $scenario in
    KIVA) map=$RHCR/maps/kiva.map ;;
    SORTING) map=$RHCR/maps/sorting_map.grid ;;
    *) echo "unknown scenario $scenario" >&2; exit 2 ;;
  esac
  for solver in $SOLVERS; do
    log=$OUT/$solver-$scenario-$agents-$steps.log
    start=$(date +%s.%N)
    if [ "$solver" = corridor ]; then
      # shellcheck disable=SC2086
      "$CORRIDOR" lifelong --map "$map" --tasks rhcr --agents "$agents" --steps "$steps" --seed $((SEED + 1)) ${CORRIDOR_ARGS:-} > "$log" || true
      tasks=$(grep -o '"goals_reached":[0-9]*' "$log" | cut -d: -f2)
      note="violations=$(grep -o '"violations":[0-9]*' "$log" | cut -d: -f2)"
      note="$note stalled=$(grep -o '"stalled_steps":[0-9]*' "$log" | cut -d: -f2)"
      note="$note guidance=$(grep -o '"guidance":[a-z]*' "$log" | cut -d: -f2)"
      note="$note solver=$(grep -o '"solver":"[a-z]*"' "$log" | cut -d'"' -f4)"
    else
      # RHCR writes a few files into the working directory and a heuristics table next to
      # the map; it prints "N tasks has been finished" once per replanning period.
      (cd "$OUT" && "$RHCR_BIN" -m "$map" -k "$agents" --scenario="$scenario" --simulation_window=5 \
        --planning_window=10 --solver=PBS --seed="$SEED" --simulation_time="$steps" -o "$OUT/rhcr-out" > "$log" 2>&1) || true
      tasks=$(grep 'tasks has been finished' "$log" | awk '{s += $1} END {print s + 0}')
      note="last_timestep=$(grep '^Timestep' "$log" | tail -1 | cut -d' ' -f2)"
      if grep -q 'Too many traffic jams' "$log"; then note="$note congested"; fi
    fi
    end=$(date +%s.%N)
    if [ "$solver" = corridor ]; then seed=$((SEED + 1)); else seed=$SEED; fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.1f\t%s\n' "$solver" "$seed" "$scenario" "$agents" "$steps" "${tasks:-0}" \
      "$(awk -v t="${tasks:-0}" -v s="$steps" 'BEGIN {printf "%.3f", t / s}')" \
      "$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')" "$note"
  done
done
