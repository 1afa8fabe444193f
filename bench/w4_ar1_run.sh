#!/bin/bash
# AR(1) on W4 medium: lcstat CLI (whole process) and nlme, alternating, 3 rounds
cd /work/main
for r in 1 2 3; do
  python3 bench/harness.py --task lmm.w4.ar1@lcstat-cli --size medium --rep $r --csv /tmp/w4/w4_medium.csv
  Rscript ../shared/bench/peers.R --task lmm.w4.ar1@nlme --size medium --rep $r --csv /tmp/w4/w4_medium.csv
done
