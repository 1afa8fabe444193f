#!/bin/bash
# The generalized models of issue 17 beside lme4's glmer, alternating, one round per argument's
# count (default 3): W4's binary `applied` through the harnesses (glmm.w4@lme4 in peers.R uses
# glmer's defaults), and VerbAgg (lme4's data) timed as lcstat's whole process and glmer's call.
# Needs /tmp/w4/w4_<size>.csv (gen.py --workloads w4 --sizes <size>); size is the second argument
# (default medium).
cd /work/main
rounds=${1:-3}
size=${2:-medium}
verbagg=Tests/LCCoreTests/Reference/VerbAgg.csv
for r in $(seq 1 "$rounds"); do
  python3 bench/harness.py --task glmm.w4@lcstat-cli --size "$size" --rep $r --csv /tmp/w4/w4_$size.csv
  Rscript ../shared/bench/peers.R --task glmm.w4@lme4 --size "$size" --rep $r --csv /tmp/w4/w4_$size.csv
  /usr/bin/time -f "verbagg lcstat-cli rep $r: %e s, %M KB" dist/bin/lcstat transfer $verbagg --format json --family binomial \
    --formula "r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item)" > /tmp/verbagg_lcstat.json
  Rscript -e 'suppressMessages(library(lme4)); t <- system.time(m <- glmer(r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item), VerbAgg, family = binomial, control = glmerControl(optimizer = "bobyqa")))[["elapsed"]]; cat(sprintf("verbagg glmer rep '$r': %.2f s, logLik %.6f\n", t, logLik(m)))'
done
