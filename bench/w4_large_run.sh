#!/bin/bash
# W4 large (400,000 rows): lcstat's and the peers' times for the crossed and the AR(1) model, one run each
cd /work/main
python3 bench/harness.py --task lmm.w4.ar1@lcstat-cli --size large --rep 1 --csv /tmp/w4/w4_large.csv
python3 bench/harness.py --task lmm.w4.crossed@lcstat-cli --size large --rep 1 --csv /tmp/w4/w4_large.csv
Rscript ../shared/bench/peers.R --task lmm.w4.ar1@nlme --size large --rep 1 --csv /tmp/w4/w4_large.csv
Rscript ../shared/bench/peers.R --task lmm.w4.crossed@lme4 --size large --rep 1 --csv /tmp/w4/w4_large.csv
