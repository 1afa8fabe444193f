#!/usr/bin/env python3
"""Writes examples/data/climate.csv: a made-up learning-community study.

12 learning communities (members from different organisations) meet for 6
sessions; after each session every present member rates the community's
learning climate on six items (lc1..lc6, 1 = strongly disagree .. 5 =
strongly agree; lc4 is worded negatively, so reverse-code it) and reports
their learning-goal orientation (lgo). Consensus grows over the sessions in
most communities. About 3% of answers and 5% of session visits are missing.
Deterministic: Python's own random with a fixed seed, no third-party packages.
"""
import os
import random

CITIES = ["Antwerp", "Arnhem", "Brugge", "Delft", "Eindhoven", "Gent",
          "Hasselt", "Leuven", "Maastricht", "Tilburg", "Utrecht", "Zwolle"]


def main():
    rng = random.Random(20261123)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "climate.csv")
    rows = ["community,session,person,organisation,lc1,lc2,lc3,lc4,lc5,lc6,lgo"]
    for c, city in enumerate(CITIES):
        level = rng.gauss(3.4, 0.45)
        start_sd, end_sd = rng.uniform(0.9, 1.3), rng.uniform(0.35, 0.9)
        members = rng.randint(6, 14)
        persons = [(f"{city[:3].upper()}-{m + 1:02d}", f"org{rng.randint(1, 40):02d}", rng.gauss(0, 0.5), rng.gauss(3.6, 0.6))
                   for m in range(members)]
        for s in range(1, 7):
            sd = start_sd + (end_sd - start_sd) * (s - 1) / 5
            drift = 0.05 * (s - 1)
            for pid, org, own, lgo in persons:
                if rng.random() < 0.05:
                    continue
                cells = []
                for j in range(6):
                    x = level + drift + own * sd + rng.gauss(0, sd)
                    v = min(5, max(1, round(x)))
                    if j == 3:
                        v = 6 - v
                    cells.append("" if rng.random() < 0.03 else str(v))
                rows.append(f"LC {city},{s},{pid},{org}," + ",".join(cells) + f",{lgo:.2f}")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
