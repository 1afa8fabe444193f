#!/bin/bash
# rwg.j.sim, 100,000 replications, group size 10, 8 items, 5 options: lcstat beside R and numpy, same run
cd "$(dirname "$0")/.."
for rep in 1 2 3; do
  python3 bench/harness.py --task rwg.j.sim@lcstat-cli --size sim --rep $rep --nrep 100000
  python3 bench/harness.py --task rwg.j.sim@lcstat-python --size sim --rep $rep --nrep 100000
  python3 ../shared/bench/peers.py --task rwg.j.sim@numpy --size sim --rep $rep --nrep 100000
done
Rscript ../shared/bench/peers.R --task rwg.j.sim --size sim --rep 1 --nrep 100000
