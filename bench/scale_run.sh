#!/bin/bash
# The fixed location-scale model of lmm.w4.scale on W4 medium: lcstat whole process beside
# glmmTMB (fit only), alternating, three rounds. diversity is added to the CSV for lcstat as
# peers.R's w4_prep computes it inside R before its timer starts.
cd /work/main
[ -f /tmp/w4/w4_medium_div.csv ] || python3 bench/w4_diversity.py /tmp/w4/w4_medium.csv /tmp/w4/w4_medium_div.csv
for r in 1 2 3; do
  /usr/bin/time -f "scale lcstat rep $r: %e s, %M KB" dist/bin/lcstat transfer /tmp/w4/w4_medium_div.csv --ml --format json \
    --scale "~ session * diversity" \
    --formula "sharing ~ session + within(support, person) + between(support, person) + lgo + (1 + session | person) + (1 | community)" \
    > /tmp/scale_lcstat.json
  Rscript ../shared/bench/peers.R --task lmm.w4.scale@glmmTMB --size medium --rep $r --csv /tmp/w4/w4_medium.csv
done
python3 -c "import json; d = json.load(open('/tmp/scale_lcstat.json')); print('lcstat logLik %.7f' % d['fit']['loglik'], d['fit']['evaluations'])"
