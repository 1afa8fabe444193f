#!/bin/bash
# The crossed models of issue 14 beside lme4, alternating, one round per argument's count
# (default 3): W4 medium through the harnesses, InstEval timed as lcstat's whole process and
# lme4's lmer call. Needs /tmp/w4/w4_medium.csv (gen.py) and /tmp/insteval.csv (written here by R).
cd /work/main
rounds=${1:-3}
[ -f /tmp/insteval.csv ] || Rscript -e 'write.csv(lme4::InstEval, "/tmp/insteval.csv", row.names = FALSE)'
for r in $(seq 1 "$rounds"); do
  python3 bench/harness.py --task lmm.w4.crossed@lcstat-cli --size medium --rep $r --csv /tmp/w4/w4_medium.csv
  Rscript ../shared/bench/peers.R --task lmm.w4.crossed@lme4 --size medium --rep $r --csv /tmp/w4/w4_medium.csv
  /usr/bin/time -f "insteval lcstat-cli rep $r: %e s, %M KB" dist/bin/lcstat transfer /tmp/insteval.csv --format json \
    --formula "y ~ service + (1 | s) + (1 | d) + (1 | dept)" > /tmp/insteval_lcstat.json
  Rscript -e 'suppressMessages(library(lme4)); t <- system.time(m <- lmer(y ~ service + (1 | s) + (1 | d) + (1 | dept), InstEval))[["elapsed"]]; cat(sprintf("insteval lme4 rep '$r': %.2f s, REML criterion %.6f\n", t, REMLcrit(m)))'
done
