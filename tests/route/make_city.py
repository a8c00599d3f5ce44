#!/usr/bin/env python3
"""A synthetic city as an OSM PBF, for the base-layer import benchmark (BENCHMARKS.md): a grid of
N × N street crossings 120 m apart, each block side its own street way (as OSM splits streets at
crossings), and every block a compound of `--per-block` slab buildings with numbers. With the
defaults (N = 300, 10 buildings a block) it has about 1.07 million ways and 4.5 million nodes.

    python3 tests/route/make_city.py OUT.osm.pbf [--n 300] [--per-block 10]

Needs pyosmium (tests/route/requirements.txt). Deterministic.
"""

import argparse
import math

import osmium

LON0, LAT0 = 121.40, 31.20
M_LON = 111_320.0 * math.cos(math.radians(31.3))
M_LAT = 110_574.0


def loc(x, y):
    return osmium.osm.Location(LON0 + x / M_LON, LAT0 + y / M_LAT)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--per-block", type=int, default=10)
    a = ap.parse_args()
    n, step = a.n, 120.0
    w = osmium.SimpleWriter(a.out, overwrite=True)
    crossing = lambda i, j: 1 + i * n + j
    # Nodes first, then ways (as OSM files are sorted).
    for i in range(n):
        for j in range(n):
            w.add_node(osmium.osm.mutable.Node(id=crossing(i, j), location=loc(j * step, i * step)))
    next_node = n * n + 1
    for corners, _ in slabs(n, a.per_block, step):
        for x, y in corners:
            w.add_node(osmium.osm.mutable.Node(id=next_node, location=loc(x, y)))
            next_node += 1
    next_way = 1
    names = ["殷行路", "开鲁路", "民星路", "国和路", "民京路", "市光路", "政立路", "闸殷路"]
    for i in range(n):
        for j in range(n - 1):
            tags = {"highway": "residential" if i % 4 else "secondary", "name": f"{names[i % 8]}{i}"}
            w.add_way(osmium.osm.mutable.Way(id=next_way, nodes=[crossing(i, j), crossing(i, j + 1)], tags=tags))
            next_way += 1
            tags = {"highway": "residential" if j % 4 else "tertiary", "name": f"{names[j % 8]}{j}号"}
            w.add_way(osmium.osm.mutable.Way(id=next_way, nodes=[crossing(j, i), crossing(j + 1, i)], tags=tags))
            next_way += 1
    node = n * n + 1
    for _, k in slabs(n, a.per_block, step):
        ids = [node, node + 1, node + 2, node + 3]
        node += 4
        tags = {"building": "residential", "addr:housenumber": str(k + 1)}
        w.add_way(osmium.osm.mutable.Way(id=next_way, nodes=ids + [ids[0]], tags=tags))
        next_way += 1
    w.close()
    print(f"{a.out}: {next_node - 1} nodes, {next_way - 1} ways")


def slabs(n, per_block, step):
    """Every building's four corners (metres) and its number in its block, in id order."""
    cols = (per_block + 1) // 2
    width = 96.0 / cols - 4.0
    for bi in range(n - 1):
        for bj in range(n - 1):
            x0, y0 = bj * step + 12, bi * step + 12
            for k in range(per_block):
                r, c = divmod(k, cols)
                bx, by = x0 + c * (96.0 / cols), y0 + r * 50.0
                yield [(bx, by), (bx + width, by), (bx + width, by + 10), (bx, by + 10)], k


if __name__ == "__main__":
    main()
