#!/usr/bin/env bash
# Profile intervals of the three-level W3 model: lme4's confint(method = "profile") and
# `lcstat transfer --confint profile` (release build) on the same CSV, one after the other
# in one run. Usage: bench/profile_w3.sh W3.csv [REPS]  (W3.csv from ../shared/bench/gen.py)
set -euo pipefail
cd "$(dirname "$0")/.."
csv=$1; reps=${2:-3}
swift build -c release --product lcstat >/dev/null
formula="sharing ~ session + within(support, person) + between(support, person) + within(motivation, person) + between(motivation, person) + selfeff + (1 + session | person) + (1 | community)"
echo "lme4 (fit, then confint):"
/usr/bin/time -f "  whole process %e s, peak %M KB" Rscript bench/profile_lme4.R "$csv"
for r in $(seq "$reps"); do
  /usr/bin/time -f "lcstat run $r: whole process (read, fit, df, profile) %e s, peak %M KB" \
    .build/release/lcstat transfer "$csv" --formula "$formula" --confint profile --format json > /tmp/lcstat_profile.json
done
python3 -c "import json; [print('  ', r['parameter'], r['group'], r['term'], r['low'], r['high']) for r in json.load(open('/tmp/lcstat_profile.json'))['confint']]"
