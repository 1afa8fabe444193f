#!/bin/bash
# The random-scale location-scale model of issue 15 (MELS: the W4 scale model plus a random
# scale effect per community) on W4 medium (three rounds) and large (one), whole process.
# No R package fits it by ML; the target is under 60 s on W4 large.
# Needs /tmp/w4/w4_{medium,large}.csv from gen.py; adds diversity as peers.R's w4_prep does.
cd /work/main
F="sharing ~ session + within(support, person) + between(support, person) + lgo + (1 + session | person) + (1 | community)"
for size in medium large; do
  [ -f /tmp/w4/w4_${size}_div.csv ] || python3 bench/w4_diversity.py /tmp/w4/w4_$size.csv /tmp/w4/w4_${size}_div.csv
done
for r in 1 2 3; do
  /usr/bin/time -f "random scale medium rep $r: %e s, %M KB" dist/bin/lcstat transfer /tmp/w4/w4_medium_div.csv --format json \
    --scale "~ session * diversity + (1 | community)" --formula "$F" > /tmp/rs_medium.json
done
/usr/bin/time -f "random scale large rep 1: %e s, %M KB" dist/bin/lcstat transfer /tmp/w4/w4_large_div.csv --format json \
  --scale "~ session * diversity + (1 | community)" --formula "$F" > /tmp/rs_large.json
python3 -c "
import json
for s in ('medium', 'large'):
    d = json.load(open(f'/tmp/rs_{s}.json'))
    print(s, 'logLik', d['fit']['loglik'], 'evaluations', d['fit']['evaluations'], 'sd_tau', d['scale_random'][0]['sd'])"
