#!/usr/bin/env python3
"""Writes examples/data/transfer.csv: a made-up transfer study.

12 learning communities of 8 to 12 members meet for 6 sessions. After each
session members report their supervisor's support for using what they learned
(support), their motivation to transfer (motivation) and how much they shared
and applied it back in their own organisation (sharing), all on 1..7 scales
averaged over items; self-efficacy (selfeff) and the sector of the member's
organisation (sector: education, private or public; private shares a little
more, public a little less) are measured once. Support helps
more for members with low self-efficacy (a cross-level interaction). About 5%
of session visits are missing. Deterministic: Python's random, fixed seed.
"""
import os
import random

CITIES = ["Antwerp", "Arnhem", "Brugge", "Delft", "Eindhoven", "Gent",
          "Hasselt", "Leuven", "Maastricht", "Tilburg", "Utrecht", "Zwolle"]


def main():
    rng = random.Random(20261124)
    sectors = random.Random(20261205)        # its own stream: the other columns stay as they were
    effect = {"education": 0.0, "private": 0.25, "public": -0.15}
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "transfer.csv")
    rows = ["community,person,session,support,motivation,selfeff,sector,sharing"]
    for city in CITIES:
        u = rng.gauss(0, 0.35)
        for m in range(rng.randint(8, 12)):
            pid = f"{city[:3].upper()}-{m + 1:02d}"
            selfeff = min(7, max(1, rng.gauss(4.5, 1.0)))
            sup_mean, mot_mean = rng.gauss(4.2, 0.8), rng.gauss(4.6, 0.7)
            v0, v1 = rng.gauss(0, 0.5), rng.gauss(0, 0.06)
            sector = sectors.choice(sorted(effect))
            for s in range(1, 7):
                if rng.random() < 0.05:
                    continue
                support = min(7, max(1, sup_mean + rng.gauss(0, 0.8)))
                motivation = min(7, max(1, mot_mean + rng.gauss(0, 0.7)))
                sharing = (1.2 + 0.08 * s + (0.35 - 0.06 * (selfeff - 4.5)) * (support - sup_mean)
                           + 0.30 * sup_mean + 0.25 * (motivation - mot_mean) + 0.20 * mot_mean
                           + 0.15 * selfeff + effect[sector] + u + v0 + v1 * s + rng.gauss(0, 0.6))
                rows.append(f"LC {city},{pid},{s},{support:.2f},{motivation:.2f},{selfeff:.2f},{sector},"
                            f"{min(7, max(1, sharing)):.2f}")
    with open(out, "w") as f:
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
