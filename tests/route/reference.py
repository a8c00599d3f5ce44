#!/usr/bin/env python3
"""An independent walking router, for the test that Ridermap's routes agree with it on a real OSM
extract (crates/ridermap-service/tests/helsinki.rs). pyosmium reads the file, networkx finds the
shortest paths. Who may walk a way, the speeds, and walls cutting ways are written here again from
docs/formats.md's tables, not from Ridermap's code.

    reference.py sample FILE.osm.pbf PAIRS SEED    JSON on stdout: [{"from": [lon, lat],
                                                  "to": [lon, lat], "length_m": …, "seconds": …}]
    reference.py check FILE.osm.pbf ROUTES.json    every route's line must run along the ways:
                                                  each step between two of its points a piece of
                                                  a walkable way; prints problems, exits 1 if any

Needs osmium (pyosmium 4.3.2) and networkx 3.6.1 (tests/route/requirements.txt).
"""

import json
import math
import random
import sys

import networkx as nx
import osmium

R = 6_371_008.8  # mean earth radius, metres (haversine)
WALK_SPEED, STEPS_SPEED = 1.3, 0.6  # m/s (docs/formats.md, Routes)
NO_FOOT = {"motorway", "motorway_link", "trunk", "trunk_link"}
WALKABLE = NO_FOOT | {
    "primary", "primary_link", "secondary", "secondary_link", "tertiary", "tertiary_link",
    "unclassified", "residential", "road", "busway", "living_street", "service", "track",
    "pedestrian", "footway", "path", "bridleway", "corridor", "cycleway", "steps",
}
FOOT_YES = {"yes", "designated", "permissive", "destination", "delivery", "customers", "private", "residents"}
FOOT_NO = {"no", "use_sidepath"}
BARRIERS = {"wall", "fence", "hedge", "retaining_wall", "city_wall", "guard_rail", "handrail"}
GATE_KINDS = {"gate", "lift_gate", "swing_gate", "sliding_gate", "chain", "bollard", "block", "entrance",
              "cycle_barrier", "motorcycle_barrier", "kissing_gate", "turnstile", "stile", "full-height_turnstile"}


def haversine(a, b):
    (lon1, lat1), (lon2, lat2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * R * math.asin(math.sqrt(h))


def walkable(tags):
    hw = tags.get("highway")
    if hw not in WALKABLE:
        return False
    default = hw not in NO_FOOT and tags.get("access") != "no"
    foot = tags.get("foot")
    if foot in FOOT_YES:
        return True
    if foot in FOOT_NO:
        return False
    return default


def elevated(tags):
    return (tags.get("bridge", "no") != "no" or tags.get("tunnel", "no") != "no"
            or tags.get("layer", "0").strip() != "0")


class Reader(osmium.SimpleHandler):
    def __init__(self):
        super().__init__()
        self.coords = {}
        self.walks = []  # (line, steps, elevated)
        self.walls = []  # lines
        self.building_nodes = set()
        self.gates = []  # (node id, tags): entrances a route would obey
        self.shut = set()  # barrier nodes walkers may not pass (docs/formats.md: gates on ways)

    def node(self, n):
        self.coords[n.id] = (n.location.lon, n.location.lat)
        t = dict(n.tags)
        if "entrance" in t:
            self.gates.append((n.id, t))
        if t.get("barrier") in GATE_KINDS:
            locked = t.get("locked") == "yes"
            closed = t.get("access") == "no" or locked
            foot = t.get("foot")
            walk = not locked and (True if foot in FOOT_YES else False if foot in FOOT_NO else not closed)
            if not walk:
                self.shut.add((n.location.lon, n.location.lat))

    def way(self, w):
        t = dict(w.tags)
        # Nodes outside the extract are left out, the rest joined (as Ridermap reads a clipped file).
        line = [self.coords[n.ref] for n in w.nodes if n.ref in self.coords]
        if "building" in t:
            self.building_nodes.update(n.ref for n in w.nodes)
        if len(line) < 2:
            return
        if walkable(t):
            self.walks.append((line, t.get("highway") == "steps", elevated(t)))
        if t.get("barrier") in BARRIERS:
            self.walls.append(line)


def read(path):
    r = Reader()
    r.apply_file(path)
    # Entrances with rules of their own (hours, no entry on foot) are not modelled here; this
    # extract has none (checked, so the day it has one this script says so instead of disagreeing
    # quietly). Barrier nodes walkers may not pass are (`shut`).
    blocking = [i for i, t in r.gates if i not in r.building_nodes
                and (t.get("foot") == "no" or t.get("access") == "no" or "opening_hours" in t)]
    if blocking:
        sys.exit(f"gates that may stop walkers are not modelled here: nodes {blocking[:10]}")
    return r


def plane(points):
    lon0 = sum(p[0] for p in points) / len(points)
    lat0 = sum(p[1] for p in points) / len(points)
    kx, ky = 111_320.0 * math.cos(math.radians(lat0)), 110_574.0
    return lambda p: ((p[0] - lon0) * kx, (p[1] - lat0) * ky)


def cuts(a, b, c, d):
    """Whether segment a-b crosses segment c-d at a point more than 5 cm from a and from b
    (a way meeting a wall at a node they share goes through an opening there)."""
    (ax, ay), (bx, by), (cx, cy), (dx, dy) = a, b, c, d
    den = (bx - ax) * (dy - cy) - (by - ay) * (dx - cx)
    if den == 0:
        return False  # parallel or along the wall
    t = ((cx - ax) * (dy - cy) - (cy - ay) * (dx - cx)) / den
    u = ((cx - ax) * (by - ay) - (cy - ay) * (bx - ax)) / den
    if not (0 <= t <= 1 and 0 <= u <= 1):
        return False
    px, py = ax + t * (bx - ax), ay + t * (by - ay)
    return math.hypot(px - ax, py - ay) > 0.05 and math.hypot(px - bx, py - by) > 0.05


def graph(r):
    xy = plane([p for line, _, _ in r.walks for p in line])
    cell = 50.0
    grid = {}
    for line in r.walls:
        for p, q in zip(line, line[1:]):
            (x0, y0), (x1, y1) = xy(p), xy(q)
            for i in range(int(min(x0, x1) // cell), int(max(x0, x1) // cell) + 1):
                for j in range(int(min(y0, y1) // cell), int(max(y0, y1) // cell) + 1):
                    grid.setdefault((i, j), []).append(((x0, y0), (x1, y1)))
    g = nx.Graph()
    for line, steps, lifted in r.walks:
        for p, q in zip(line, line[1:]):
            if p == q:
                continue
            a, b = xy(p), xy(q)
            if not lifted:
                near = set()
                for i in range(int(min(a[0], b[0]) // cell), int(max(a[0], b[0]) // cell) + 1):
                    for j in range(int(min(a[1], b[1]) // cell), int(max(a[1], b[1]) // cell) + 1):
                        near.update(grid.get((i, j), []))
                if any(cuts(a, b, c, d) for c, d in near):
                    continue
            length = haversine(p, q)
            secs = length / (STEPS_SPEED if steps else WALK_SPEED)
            if not g.has_edge(p, q) or g[p][q]["secs"] > secs:
                g.add_edge(p, q, length=length, secs=secs)
    # A walker cannot pass a shut gate: its node goes (routes neither pass nor start there).
    g.remove_nodes_from([n for n in r.shut if n in g])
    return g


def sample(path, pairs, seed):
    g = graph(read(path))
    nodes = sorted(max(nx.connected_components(g), key=len))
    rng = random.Random(seed)
    out = []
    while len(out) < pairs:
        a, b = rng.sample(nodes, 2)
        secs, route = nx.single_source_dijkstra(g, a, b, weight="secs")
        length = sum(g[p][q]["length"] for p, q in zip(route, route[1:]))
        if length < 50:
            continue
        out.append({"from": list(a), "to": list(b), "length_m": round(length, 2), "seconds": round(secs, 2)})
    json.dump(out, sys.stdout)


def check(path, routes_path):
    g = graph(read(path))
    edges = {frozenset((p, q)) for p, q in g.edges}
    rounded = lambda p: (round(p[0], 7), round(p[1], 7))
    edges = {frozenset(rounded(p) for p in e) for e in edges}
    problems = []
    with open(routes_path, encoding="utf-8") as f:
        routes = json.load(f)
    for k, r in enumerate(routes):
        line = [rounded(p) for p in r["line"]]
        for p, q in zip(line, line[1:]):
            if p != q and frozenset((p, q)) not in edges:
                problems.append(f"route {k}: {p} -> {q} is not a piece of a walkable way")
                break
    for p in problems[:20]:
        print(p)
    print(f"{len(routes)} routes checked, {len(problems)} off the ways")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "sample":
        sample(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif len(sys.argv) == 4 and sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
