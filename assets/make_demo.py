#!/usr/bin/env python3
"""Generate assets/yinhang-demo.geojson: illustrative demo data for Yinhang subdistrict.

Yinhang subdistrict (殷行街道), Yangpu district, Shanghai has 88 residential compounds built in
the 1980s-90s, 5 comprehensive grids (综合网格) and hundreds of delivery riders; in April 2024 it
became Shanghai's first "rider-friendly community" (骑手友好社区). This script lays out 30 of the
compounds, their gates, battery swap cabinets / chargers and rest stops for demos and tests.

NOTHING HERE IS SURVEYED. Compound names follow local naming (开鲁/民星/国和/市光 + 村), and
the 奉献园 love station in 开鲁六村 is taken from a 2025 上海杨浦 article, but every position,
outline, building number, opening hour, rule, operator, price and phone number is invented. The
compounds sit on an idealised street lattice (5 rows x 6 columns of ~475 x 530 m blocks), not on
their real sites. The phone numbers follow the pattern 021-6000xxxx and are placeholders.

It also draws an illustrative base layer, assets/yinhang-demo.osm (OSM XML): the street lattice
with the real road names, and for three compounds (开鲁六村, 开鲁二村, 民星一村) their lanes, a
fence round each with openings at the gates, one inner wall (民星一村), slab footprints with unit
doors on their north sides (also written into those compounds' buildings in the GeoJSON), so
that routes from a gate to a unit door can be shown. Just as invented as the rest.

Usage: python3 assets/make_demo.py            (writes assets/yinhang-demo.geojson and .osm next to it)
       python3 assets/make_demo.py OUT.geojson [OUT.osm]

Deterministic: one random.Random with a fixed seed, no set/dict-order or hash dependence, no
clock. Standard library only. The output is checked (validate()) before it is written.
"""

import json
import math
import os
import random
import sys

SEED = 20240420  # the day 殷行 became a rider-friendly community
NOTE = (
    "Illustrative demo data for Yinhang subdistrict (殷行街道), Yangpu, Shanghai — positions, "
    "hours and rules are invented for demonstration, not surveyed."
)

# Bounding box every coordinate must fall in.
LAT_MIN, LAT_MAX = 31.318, 31.345
LON_MIN, LON_MAX = 121.515, 121.548

# Metres per degree near 31.33°N (WGS-84 ellipsoid).
M_LAT = 110_876.0
M_LON = 95_170.0

# The street lattice: rows run north to south, columns west to east.
NORTH, ROW_H = 31.3435, 0.0048  # 5 rows of ~532 m
WEST, COL_W = 121.5165, 0.0050  # 6 columns of ~476 m
ROWS, COLS = 5, 6
# East-west roads on the row boundaries (north to south), north-south roads on the column
# boundaries (west to east).
EW_ROADS = ["闸殷路", "开鲁路", "民星路", "殷行路", "市光路", "政立路"]
NS_ROADS = ["嫩江路", "国和路", "民庆路", "民京路", "民府路", "工农路", "军工路"]

GRIDS = [
    ("yinhang-1", "殷行第一综合网格"),
    ("yinhang-2", "殷行第二综合网格"),
    ("yinhang-3", "殷行第三综合网格"),
    ("yinhang-4", "殷行第四综合网格"),
    ("yinhang-5", "殷行第五综合网格"),
]

# row, col, name, source slug, aliases, side of the main gate (faces the address road).
COMPOUNDS = [
    (0, 0, "嫩江新村", "nenjiang-xincun", ["嫩江新邨"], "W"),
    (0, 1, "国和新城", "guohe-xincheng", ["国和新城小区"], "W"),
    (0, 2, "闸殷路小区", "zhayinlu", ["闸殷小区"], "N"),
    (0, 3, "开鲁新村", "kailu-xincun", ["开鲁新邨"], "S"),
    (0, 4, "开鲁一村", "kailu1", ["开鲁1村"], "S"),
    (0, 5, "开鲁二村", "kailu2", ["开鲁2村"], "S"),
    (1, 0, "国和一村", "guohe1", ["国和1村"], "E"),
    (1, 1, "开鲁三村", "kailu3", ["开鲁3村"], "N"),
    (1, 2, "开鲁四村", "kailu4", ["开鲁4村"], "N"),
    (1, 3, "开鲁五村", "kailu5", ["开鲁5村"], "N"),
    (1, 4, "开鲁六村", "kailu6", ["开鲁6村", "开鲁路六村"], "N"),
    (1, 5, "民星一村", "minxing1", ["民星1村"], "S"),
    (2, 0, "国和二村", "guohe2", ["国和2村"], "E"),
    (2, 1, "民星二村", "minxing2", ["民星2村"], "N"),
    (2, 2, "民星三村", "minxing3", ["民星3村"], "N"),
    (2, 3, "民京小区", "minjing", ["民京路小区"], "W"),
    (2, 4, "民星苑", "minxingyuan", ["民星苑小区"], "N"),
    (2, 5, "殷行新苑", "yinhang-xinyuan", ["殷行新苑小区"], "S"),
    (3, 0, "国和三村", "guohe3", ["国和3村"], "E"),
    (3, 1, "殷行小区", "yinhang", ["殷行路小区"], "N"),
    (3, 2, "市光一村", "shiguang1", ["市光1村"], "S"),
    (3, 3, "市光二村", "shiguang2", ["市光2村"], "S"),
    (3, 4, "民府小区", "minfu", ["民府路小区"], "W"),
    (3, 5, "工农新村", "gongnong-xincun", ["工农新邨"], "W"),
    (4, 0, "政立小区", "zhengli", ["政立路小区"], "S"),
    (4, 1, "市光三村", "shiguang3", ["市光3村"], "N"),
    (4, 2, "市光四村", "shiguang4", ["市光4村"], "N"),
    (4, 3, "市光五村", "shiguang5", ["市光5村"], "N"),
    (4, 4, "工农三村", "gongnong3", ["工农3村"], "E"),
    (4, 5, "军工路小区", "jungonglu", ["军工小区"], "E"),
]

SIDE_VEC = {"N": (0.0, 1.0), "S": (0.0, -1.0), "E": (1.0, 0.0), "W": (-1.0, 0.0)}
SIDE_ZH = {"N": "北", "S": "南", "E": "东", "W": "西"}

GATE_KINDS = ["main", "side", "pedestrian", "vehicle", "service", "emergency"]
EBIKE = ["allowed", "push", "refused", "unknown"]
ACCESS = ["open", "qr", "face", "card", "guard", "intercom"]
CHARGER_KINDS = ["swap_cabinet", "charging_pile", "socket"]
STOP_KINDS = ["love_station", "union_relay", "partner_shop", "convenience_store", "public"]
AMENITIES = [
    "hot_water", "cold_water", "microwave", "fridge", "toilet", "phone_charging", "power_bank",
    "seating", "heating", "cooling", "first_aid", "wifi", "ebike_parking",
]

rng = random.Random(SEED)


# ---------------------------------------------------------------- geometry helpers


def r6(x):
    return round(x, 6)


def grid_of_cell(row, col):
    if row <= 1:
        return "yinhang-1" if col <= 2 else "yinhang-2"
    if row == 2:
        return "yinhang-3"
    return "yinhang-4" if col <= 2 else "yinhang-5"


def grid_at(lat, lon):
    row = min(ROWS - 1, max(0, int((NORTH - lat) / ROW_H)))
    col = min(COLS - 1, max(0, int((lon - WEST) / COL_W)))
    return grid_of_cell(row, col)


def point_in_poly(x, y, ring):
    inside = False
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % n]
        if (y1 > y) != (y2 > y):
            xc = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if xc > x:
                inside = not inside
    return inside


def seg_dist(px, py, x1, y1, x2, y2):
    dx, dy = x2 - x1, y2 - y1
    t = ((px - x1) * dx + (py - y1) * dy) / (dx * dx + dy * dy)
    t = max(0.0, min(1.0, t))
    return math.hypot(px - (x1 + t * dx), py - (y1 + t * dy))


def ring_dist(x, y, ring):
    n = len(ring)
    return min(seg_dist(x, y, *ring[i], *ring[(i + 1) % n]) for i in range(n))


class Frame:
    """A compound's local frame: metres east (x) and north (y) of a centre, rotated by theta."""

    def __init__(self, lat, lon, theta_deg):
        self.lat, self.lon = lat, lon
        self.c = math.cos(math.radians(theta_deg))
        self.s = math.sin(math.radians(theta_deg))

    def to_lonlat(self, x, y):
        xr = x * self.c - y * self.s
        yr = x * self.s + y * self.c
        return [r6(self.lon + xr / M_LON), r6(self.lat + yr / M_LAT)]


def offset(lat, lon, east_m, north_m):
    return r6(lat + north_m / M_LAT), r6(lon + east_m / M_LON)


def dist_m(lat1, lon1, lat2, lon2):
    return math.hypot((lat2 - lat1) * M_LAT, (lon2 - lon1) * M_LON)


def road_point(road, frac, side_m):
    """A point on `road` at `frac` of its length, `side_m` metres off its centre line
    (positive: north of an east-west road, east of a north-south road)."""
    if road in EW_ROADS:
        lat = NORTH - EW_ROADS.index(road) * ROW_H
        lon = WEST + frac * COLS * COL_W
        return offset(lat, lon, 0.0, side_m)
    lon = WEST + NS_ROADS.index(road) * COL_W
    lat = NORTH - frac * ROWS * ROW_H
    return offset(lat, lon, side_m, 0.0)


def cell_road(row, col, side):
    return {"N": EW_ROADS[row], "S": EW_ROADS[row + 1], "W": NS_ROADS[col], "E": NS_ROADS[col + 1]}[side]


def iso(day_offset, hour):
    """RFC 3339 UTC time `day_offset` days after 2026-03-01 (no clock is read)."""
    days_in = [31, 30, 31, 30, 31, 31, 30, 31, 30, 31]  # Mar..Dec 2026
    month, d = 3, day_offset
    while d >= days_in[month - 3]:
        d -= days_in[month - 3]
        month += 1
    return f"2026-{month:02d}-{d + 1:02d}T{hour:02d}:{rng.choice([0, 15, 30, 45]):02d}:00Z"


def maybe_verified(p_none=0.2):
    """Verified dates between 2026-03-01 and 2026-11-20; some never verified."""
    if rng.random() < p_none:
        return None
    return iso(rng.randint(0, 264), rng.randint(1, 10))


def pick(weighted):
    """weighted: list of (value, weight)."""
    total = sum(w for _, w in weighted)
    x = rng.random() * total
    for v, w in weighted:
        x -= w
        if x < 0:
            return v
    return weighted[-1][0]


# ---------------------------------------------------------------- compounds


def outline_shape(w, h, shape):
    hw, hh = w / 2, h / 2
    if shape == "rect":
        return [(-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh)]
    if shape == "cut":  # one corner cut off diagonally
        c = rng.uniform(0.22, 0.35) * min(w, h)
        corner = rng.randrange(4)
        pts = [(-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh)]
        out = []
        for i, (x, y) in enumerate(pts):
            if i != corner:
                out.append((x, y))
                continue
            px, py = pts[i - 1]
            nx, ny = pts[(i + 1) % 4]
            d1 = math.hypot(x - px, y - py)
            d2 = math.hypot(nx - x, ny - y)
            out.append((x + (px - x) * c / d1, y + (py - y) * c / d1))
            out.append((x + (nx - x) * c / d2, y + (ny - y) * c / d2))
        return out
    # "L": a rectangle with one corner block missing
    cw = rng.uniform(0.3, 0.4) * w
    ch = rng.uniform(0.3, 0.4) * h
    corner = rng.randrange(4)
    if corner == 0:  # south-west missing
        return [(-hw + cw, -hh), (hw, -hh), (hw, hh), (-hw, hh), (-hw, -hh + ch), (-hw + cw, -hh + ch)]
    if corner == 1:  # south-east
        return [(-hw, -hh), (hw - cw, -hh), (hw - cw, -hh + ch), (hw, -hh + ch), (hw, hh), (-hw, hh)]
    if corner == 2:  # north-east
        return [(-hw, -hh), (hw, -hh), (hw, hh - ch), (hw - cw, hh - ch), (hw - cw, hh), (-hw, hh)]
    return [(-hw, -hh), (hw, -hh), (hw, hh), (-hw + cw, hh), (-hw + cw, hh - ch), (-hw, hh - ch)]  # north-west


def building_layout(ring, w, h, fixed=None):
    """Rows of 1980s slab blocks: positions in the local frame, numbered north to south,
    west to east. Returns [(number, x, y)]."""
    m = 22.0

    def grid(nr, nc):
        pts = []
        for i in range(nr):
            y = (h / 2 - m) - i * (h - 2 * m) / max(1, nr - 1)
            for j in range(nc):
                x = (-w / 2 + m) + j * (w - 2 * m) / max(1, nc - 1)
                if point_in_poly(x, y, ring) and ring_dist(x, y, ring) >= 18.0:
                    pts.append((x, y))
        return pts

    if fixed:
        nr, nc = fixed
    else:
        nr = min(8, max(3, round((h - 2 * m) / 42) + 1))
        nc = min(6, max(2, round((w - 2 * m) / 72) + 1))
    pts = grid(nr, nc)
    while len(pts) > 40:
        if nc > 3:
            nc -= 1
        else:
            nr -= 1
        pts = grid(nr, nc)
    while len(pts) < 8:
        nr += 1
        pts = grid(nr, nc)
    return [(str(k + 1), x, y) for k, (x, y) in enumerate(pts)]


def gate_on_side(ring, side, frac):
    """A point on the edge of `ring` facing `side`, `frac` along it; returns (x, y, nx, ny)."""
    sx, sy = SIDE_VEC[side]
    best = None
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % n]
        length = math.hypot(x2 - x1, y2 - y1)
        nx, ny = (y2 - y1) / length, -(x2 - x1) / length  # outward normal of a CCW ring
        if nx * sx + ny * sy > 0.99 and (best is None or length > best[0]):
            best = (length, x1, y1, x2, y2, nx, ny)
    _, x1, y1, x2, y2, nx, ny = best
    return (x1 + frac * (x2 - x1), y1 + frac * (y2 - y1), nx, ny)


OPEN_HOURS = {
    "main": [("24/7", 3), ("06:00-22:00", 2), ("05:30-23:00", 2), ("06:00-24:00", 2)],
    "side": [("06:00-22:00", 3), ("05:30-23:00", 2), ("Mo-Fr 07:00-19:00", 2), ("06:00-24:00", 2),
             ("24/7", 2), ("07:00-21:00", 1)],
    "pedestrian": [("07:00-19:00", 2), ("06:00-22:00", 2), ("Mo-Fr 07:00-19:00", 2), ("06:30-20:30", 1)],
    "vehicle": [("24/7", 2), ("06:00-24:00", 1)],
    "service": [("Mo-Fr 07:00-19:00", 2), ("07:00-19:00", 1)],
    "emergency": [("off", 1)],  # fire gates stay locked
}
EBIKE_BY_KIND = {
    "main": [("allowed", 5), ("push", 2), ("unknown", 1)],
    "side": [("allowed", 2), ("push", 3), ("unknown", 1), ("refused", 1)],
    "pedestrian": [("push", 2), ("refused", 3)],
    "vehicle": [("allowed", 2), ("unknown", 1)],
    "service": [("push", 2), ("allowed", 1), ("unknown", 1)],
    "emergency": [("refused", 1)],
}
ACCESS_BY_KIND = {
    "main": [("guard", 3), ("face", 2), ("qr", 2), ("open", 2), ("intercom", 1)],
    "side": [("qr", 3), ("card", 2), ("face", 2), ("intercom", 1), ("open", 1)],
    "pedestrian": [("card", 2), ("face", 2), ("open", 1)],
    "vehicle": [("card", 2), ("guard", 1)],
    "service": [("intercom", 2), ("guard", 1), ("card", 1)],
    "emergency": [("guard", 1)],
}
PARKING_NOTES = [
    "门口禁停，请停在路边非机动车位",
    "门卫室旁可临停5分钟",
    "门外人行道较窄，请勿堵门",
    "门外有非机动车棚，可临时停放",
    "门口设外卖取餐架，可放餐后拍照",
    "门前是公交站，请勿在站台停车",
]


def make_gate(comp, number, side, frac, kind, name=None, **fixed):
    ring, frame = comp["ring"], comp["frame"]
    x, y, nx, ny = gate_on_side(ring, side, frac)
    lon, lat = frame.to_lonlat(x, y)
    if name is None:
        if kind == "main":
            name = rng.choice([f"{number}号门（正门）", f"{number}号门（{SIDE_ZH[side]}门）"])
        elif kind == "vehicle":
            name = f"{number}号门（车行门）"
        elif kind == "emergency":
            name = f"{number}号门（消防通道）"
        elif kind == "service" and fixed.get("opening_hours") == "22:00-06:00":
            name = f"{number}号门（夜间便门）"
        elif side in comp["sides_named"] or rng.random() < 0.3:
            name = f"{number}号门"
        else:
            name = f"{number}号门（{SIDE_ZH[side]}门）"
            comp["sides_named"].append(side)
    p = {
        "kind": "entrance",
        "source": f"demo:{comp['slug']}:gate-{number}",
        "name": name,
        "compound": comp["name"],
        "grid": comp["grid"],
        "gate_kind": kind,
        "opening_hours": fixed.get("opening_hours") or pick(OPEN_HOURS[kind]),
        "ebike": fixed.get("ebike") or pick(EBIKE_BY_KIND[kind]),
        "foot": kind != "vehicle",
        "access_method": fixed.get("access_method") or pick(ACCESS_BY_KIND[kind]),
    }
    want_stop = fixed.get("stop")
    if want_stop is None:
        want_stop = kind != "emergency" and rng.random() < 0.62
    if want_stop:
        d = fixed.get("stop_m") or rng.uniform(10, 28)
        slon, slat = frame.to_lonlat(x + nx * d, y + ny * d)
        p["stop_lat"], p["stop_lon"] = slat, slon
    served = fixed.get("buildings_served")
    if served is None and kind == "side" and rng.random() < 0.5:
        k = max(3, len(comp["blocks"]) // 3)
        near = sorted(comp["blocks"], key=lambda b: math.hypot(b[1] - x, b[2] - y))[:k]
        served = [b[0] for b in sorted(near, key=lambda b: building_key(b[0]))]
    if served:
        p["buildings_served"] = served
    note = fixed.get("parking_note")
    if note is None and kind == "emergency":
        note = "消防通道，禁止停放车辆"
    elif note is None and rng.random() < 0.35:
        note = rng.choice(PARKING_NOTES)
    if note:
        p["parking_note"] = note
    lit = fixed.get("lit")
    if lit is None and rng.random() < 0.65:
        lit = kind in ("main", "vehicle") or rng.random() < 0.6
    if lit is not None:
        p["lit"] = lit
    v = maybe_verified()
    if v:
        p["verified_at"] = v
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": p}


def building_key(num):
    digits = "".join(ch for ch in num if ch.isdigit())
    return (int(digits), num)


def build_compounds():
    comps = []
    for row, col, name, slug, aliases, main_side in COMPOUNDS:
        cell_lat = NORTH - (row + 0.5) * ROW_H
        cell_lon = WEST + (col + 0.5) * COL_W
        if slug == "kailu6":
            w, h, shape, theta, jx, jy = 380.0, 400.0, "rect", 0.0, 0.0, 0.0
        else:
            w = 5 * round(rng.uniform(170, 380) / 5)
            h = 5 * round(rng.uniform(150, 390) / 5)
            shape = pick([("rect", 5), ("cut", 3), ("L", 2)])
            theta = rng.uniform(-3.0, 3.0)
            jx, jy = rng.uniform(-12, 12), rng.uniform(-12, 12)
        lat, lon = offset(cell_lat, cell_lon, jx, jy)
        frame = Frame(lat, lon, theta)
        ring = outline_shape(w, h, shape)
        blocks = building_layout(ring, w, h, fixed=(8, 5) if slug == "kailu6" else None)
        road = cell_road(row, col, main_side)
        comps.append({
            "row": row, "col": col, "name": name, "slug": slug, "aliases": aliases,
            "main_side": main_side, "frame": frame, "ring": ring, "blocks": blocks,
            "grid": grid_of_cell(row, col), "address": road_address(road, lat, lon, "弄"),
            "sides_named": [], "w": w, "h": h,
        })
    # A few infill blocks ("12A"): half-way between two neighbours in the same row.
    for comp in rng.sample([c for c in comps if c["slug"] != "kailu6" and len(c["blocks"]) < 40], 4):
        blocks = comp["blocks"]
        pairs = [(a, b) for a, b in zip(blocks, blocks[1:]) if abs(a[2] - b[2]) < 0.1]
        if pairs:
            a, b = pairs[len(pairs) // 2]
            blocks.append((a[0] + "A", (a[1] + b[1]) / 2, a[2]))
    return comps


def compound_feature(comp):
    frame = comp["frame"]
    coords = [frame.to_lonlat(x, y) for x, y in comp["ring"]]
    coords.append(coords[0])
    blocks = sorted(comp["blocks"], key=lambda b: building_key(b[0]))
    buildings = []
    for num, x, y in blocks:
        lon, lat = frame.to_lonlat(x, y)
        buildings.append({"number": num, "lat": lat, "lon": lon})
    p = {
        "kind": "compound",
        "source": f"demo:{comp['slug']}",
        "name": comp["name"],
        "aliases": comp["aliases"],
        "address": comp["address"],
        "grid": comp["grid"],
        "buildings": buildings,
    }
    if comp.get("rules"):
        p["rules"] = comp["rules"]
    if comp.get("verified_at"):
        p["verified_at"] = comp["verified_at"]
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [coords]}, "properties": p}


def build_entrances(comps):
    out = []
    for comp in comps:
        ms = comp["main_side"]
        if comp["slug"] == "kailu6":
            gates = [
                make_gate(comp, 1, "N", 0.5, "main", name="1号门（正门）", opening_hours="06:00-22:00",
                          ebike="allowed", access_method="guard", stop=True, stop_m=15.0, lit=True,
                          parking_note="门卫室旁可临停5分钟，22:00后请走2号门"),
                make_gate(comp, 2, "E", 0.3, "side", name="2号门（侧门）", opening_hours="24/7",
                          ebike="push", access_method="qr", stop=True, stop_m=12.0, lit=True,
                          buildings_served=[str(n) for n in range(21, 41)]),
                make_gate(comp, 3, "S", 0.35, "pedestrian", name="3号门", opening_hours="07:00-19:00",
                          ebike="refused", access_method="card", stop=False, lit=False,
                          parking_note="门外有非机动车棚，电动车请停棚内步行进入"),
            ]
            comp["rules"] = "电动车请停放在3号门外非机动车棚；小区内限速5公里/小时；22:00后正门关闭，请从2号门扫码推行进入"
            comp["verified_at"] = "2026-11-18T02:00:00Z"
            for g in gates:
                g["properties"]["verified_at"] = "2026-11-18T02:00:00Z"
            out.extend(gates)
            continue
        n = pick([(2, 3), (3, 4), (4, 2)])
        others = [s for s in ["N", "E", "S", "W"] if s != ms]
        rng.shuffle(others)
        sides = others[: n - 1] if n <= 3 else others[:2] + [ms]
        kinds = []
        pool = [("side", 5), ("pedestrian", 4), ("vehicle", 2), ("service", 1), ("emergency", 1)]
        for _ in sides:
            k = pick(pool)
            if k in ("emergency", "vehicle", "service") and k in kinds:
                k = "side"
            kinds.append(k)
        gates = [make_gate(comp, 1, ms, rng.uniform(0.35, 0.65), "main")]
        for i, (side, kind) in enumerate(zip(sides, kinds)):
            frac = rng.uniform(0.2, 0.8) if side != ms else rng.choice([0.12, 0.88])
            gates.append(make_gate(comp, i + 2, side, frac, kind))
        out.extend(gates)
        # Rules for about half the compounds, referring to their own gates.
        if rng.random() < 0.55:
            names = [g["properties"]["name"] for g in gates]
            parkable = [g["properties"]["name"] for g in gates[1:]
                        if g["properties"]["gate_kind"] in ("side", "pedestrian")]
            gate_no = (parkable or names)[-1].split("（")[0]
            comp["rules"] = rng.choice([
                f"电动车请停放在{gate_no}外非机动车棚",
                "小区内禁止骑行电动车，请下车推行",
                "电动车禁止进楼道、禁止上楼充电",
                "22:00后外卖统一放门卫室取餐架",
                "小区道路狭窄，请勿占用消防通道停车",
                f"外来电动车请从{names[0].split('（')[0]}登记后进入",
            ])
        comp["verified_at"] = maybe_verified(p_none=0.1)
    # Give one or two service gates the night-only hours (a night gate next to a day-only main gate).
    night = 0
    for g in out:
        p = g["properties"]
        if p["gate_kind"] == "service" and night < 2:
            p["opening_hours"] = "22:00-06:00"
            p["name"] = p["name"].split("（")[0] + "（夜间便门）"
            p["access_method"] = "intercom"
            night += 1
    return out


# ---------------------------------------------------------------- chargers and rest stops


def inside_point(comp, gate_no, inward_m, lateral_m):
    """A point inside `comp`, `inward_m` in from gate `gate_no` and `lateral_m` along the wall."""
    g = comp["gate_local"][gate_no]
    x, y, nx, ny = g
    px = x - nx * inward_m + ny * lateral_m
    py = y - ny * inward_m - nx * lateral_m
    lon, lat = comp["frame"].to_lonlat(px, py)
    return lat, lon


USED_NUMBERS = {}  # road -> numbers handed out, so no two places share one


def road_address(road, lat, lon, unit="号"):
    """An invented street number for a place at (lat, lon) on `road`: lanes (弄) and house
    numbers (号) share one sequence rising from the road's west / north end, odd numbers on the
    north / east side, even on the south / west."""
    if road in EW_ROADS:
        frac = (lon - WEST) / (COLS * COL_W)
        odd = lat > NORTH - EW_ROADS.index(road) * ROW_H
    else:
        frac = (NORTH - lat) / (ROWS * ROW_H)
        odd = lon > WEST + NS_ROADS.index(road) * COL_W
    num = 2 * int(30 + frac * 700) + (1 if odd else 0)
    used = USED_NUMBERS.setdefault(road, [])
    while num in used:
        num += 2
    used.append(num)
    return f"上海市杨浦区{road}{num}{unit}"


CHARGERS = [
    # name, charger_kind, operator, place, where
    ("铁塔换电柜·开鲁路站", "swap_cabinet", "中国铁塔", "road", ("开鲁路", 0.62, 9)),
    ("e换电·国和路站", "swap_cabinet", "e换电", "road", ("国和路", 0.35, -9)),
    ("铁塔换电柜·民星路站", "swap_cabinet", "中国铁塔", "road", ("民星路", 0.45, 8)),
    ("e换电·殷行路站", "swap_cabinet", "e换电", "road", ("殷行路", 0.28, -8)),
    ("铁塔换电柜·市光路站", "swap_cabinet", "中国铁塔", "road", ("市光路", 0.55, 9)),
    ("智租换电·闸殷路站", "swap_cabinet", "智租换电", "road", ("闸殷路", 0.4, -9)),
    ("e换电·嫩江路站", "swap_cabinet", "e换电", "road", ("嫩江路", 0.62, 9)),
    ("铁塔换电柜·民京路站", "swap_cabinet", "中国铁塔", "road", ("民京路", 0.5, -8)),
    ("智租换电·民府路站", "swap_cabinet", "智租换电", "road", ("民府路", 0.72, 8)),
    ("e换电·工农路站", "swap_cabinet", "e换电", "road", ("工农路", 0.3, -9)),
    ("铁塔换电柜·军工路站", "swap_cabinet", "中国铁塔", "road", ("军工路", 0.55, -9)),
    ("铁塔换电柜·政立路站", "swap_cabinet", "中国铁塔", "road", ("政立路", 0.2, 9)),
    ("e换电·开鲁路二站", "swap_cabinet", "e换电", "road", ("开鲁路", 0.22, -8)),
    ("速换电·民庆路站", "swap_cabinet", "smart-charging co.", "road", ("民庆路", 0.45, 9)),
    ("充电桩·民星路", "charging_pile", "杨浦社区充电", "road", ("民星路", 0.83, -9)),
    ("充电桩·国和路", "charging_pile", "杨浦社区充电", "road", ("国和路", 0.78, 9)),
    ("充电桩·市光路", "charging_pile", "绿驰充电", "road", ("市光路", 0.3, -8)),
    ("充电桩·开鲁六村车棚", "charging_pile", "绿驰充电", "compound", ("kailu6", 2, 14, -25)),
    ("铁塔换电柜·开鲁五村站", "swap_cabinet", "中国铁塔", "compound", ("kailu5", 1, 12, 20)),
    ("插座充电·民星一村车棚", "socket", "民星一村物业", "compound", ("minxing1", 1, 14, -18)),
    ("插座充电·市光二村车棚", "socket", "市光二村物业", "compound", ("shiguang2", 2, 12, 16)),
    ("充电桩·国和一村", "charging_pile", "杨浦社区充电", "compound", ("guohe1", 1, 15, 22)),
    ("e换电·殷行小区站", "swap_cabinet", "e换电", "compound", ("yinhang", 1, 12, -20)),
    ("充电桩·民府小区", "charging_pile", "绿驰充电", "compound", ("minfu", 2, 14, 18)),
    ("铁塔换电柜·市光四村站", "swap_cabinet", "中国铁塔", "compound", ("shiguang4", 1, 13, 24)),
]

CHARGER_SLUGS = {
    "中国铁塔": "tieta", "e换电": "ehuandian", "智租换电": "zhizu", "smart-charging co.": "smartcharging",
    "杨浦社区充电": "pile", "绿驰充电": "pile", "民星一村物业": "socket", "市光二村物业": "socket",
}


def build_chargers(comps):
    by_slug = {c["slug"]: c for c in comps}
    out = []
    for i, (name, ckind, operator, where, spec) in enumerate(CHARGERS):
        p = {"kind": "charger", "source": f"demo:charger-{i + 1:02d}-{CHARGER_SLUGS[operator]}", "name": name}
        if where == "road":
            road, frac, side_m = spec
            lat, lon = road_point(road, frac, side_m)
            p["address"] = road_address(road, lat, lon)
            p["grid"] = grid_at(lat, lon)
            inside = False
        else:
            comp = by_slug[spec[0]]
            lat, lon = inside_point(comp, spec[1], spec[2], spec[3])
            p["address"] = comp["address"] + "（小区内）"
            p["grid"] = comp["grid"]
            inside = True
        p["charger_kind"] = ckind
        p["operator"] = operator
        if ckind == "swap_cabinet":
            p["battery_standards"] = pick([(["48V", "60V"], 4), (["48V"], 2), (["60V"], 1), (["48V", "60V", "72V"], 1)])
            p["slots"] = rng.choice([8, 10, 12, 12, 16])
            p["price"] = pick([("按次 3元", 3), ("按次 4元", 2), ("月卡 199元", 2), ("按次 3元（22:00后 4元）", 1)])
            p["payment"] = pick([(["微信", "支付宝"], 3), ([operator + "App"], 2), (["微信", "支付宝", operator + "App"], 2)])
            hours = pick([("24/7", 6), ("06:00-24:00", 1)])
        elif ckind == "charging_pile":
            p["battery_standards"] = ["48V", "60V", "72V"]
            p["slots"] = rng.choice([10, 12, 20])
            p["price"] = pick([("1元/4小时", 2), ("1.5元/小时", 1), ("包月 40元", 1)])
            p["payment"] = ["微信", "支付宝"]
            hours = pick([("24/7", 3), ("06:00-23:00", 1)])
        else:
            p["battery_standards"] = ["48V", "60V"]
            p["slots"] = rng.choice([6, 8, 12])
            p["price"] = "1元/2小时"
            p["payment"] = ["微信"]
            hours = "05:30-23:00"
        p["inside_compound"] = inside
        if inside:
            p["compound"] = comp["name"]
        p["opening_hours"] = hours
        if inside and ckind == "socket":
            p["note"] = "小区住户优先，外来骑手请先问门卫"
        elif not inside and rng.random() < 0.25:
            p["note"] = rng.choice(["柜体在人行道绿化带旁", "高峰时段常缺满电电池", "旁边有非机动车临停位"])
        v = maybe_verified()
        if v:
            p["verified_at"] = v
        out.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": p})
    return out


REST_STOPS = [
    # name, source slug, stop_kind, host, contact, amenities, opening_hours, place, where
    ("奉献园爱心驿站", "fengxianyuan", "love_station", "开鲁六村居委会", None,
     ["hot_water", "seating", "phone_charging", "microwave"], "08:00-20:00", "compound", ("kailu6", 1, 40, -70)),
    ("殷行街道户外职工爱心接力站", "union-yinhanglu", "union_relay", "殷行街道总工会", "021-60000101",
     ["hot_water", "cold_water", "microwave", "toilet", "phone_charging", "seating", "heating", "cooling", "first_aid"],
     "08:30-20:00", "road", ("殷行路", 0.5, 12)),
    ("美团骑手之家（殷行站）", "meituan-yinhang", "partner_shop", "美团（上海）", "021-60000102",
     ["hot_water", "microwave", "fridge", "toilet", "phone_charging", "power_bank", "seating", "wifi", "ebike_parking", "cooling", "heating"],
     "09:00-22:00", "road", ("开鲁路", 0.5, -12)),
    ("殷行街道党群服务中心·骑手驿站", "dangqun", "love_station", "殷行街道党群服务中心", "021-60000103",
     ["hot_water", "cold_water", "microwave", "toilet", "phone_charging", "seating", "wifi", "first_aid"],
     "Mo-Fr 08:30-17:00; Sa,Su 09:00-16:00", "road", ("民京路", 0.42, 12)),
    ("第五综合网格站·骑手暖心点", "grid5", "love_station", "殷行街道第五综合网格站", "021-60000105",
     ["hot_water", "seating", "phone_charging", "first_aid", "heating", "cooling"],
     "07:00-21:00", "road", ("市光路", 0.75, -12)),
    ("全家便利店·国和路店", "familymart-guohelu", "convenience_store", "全家便利店", None,
     ["hot_water", "microwave", "seating", "wifi", "heating", "cooling"], "24/7", "road", ("国和路", 0.55, 12)),
    ("罗森·开鲁路店", "lawson-kailulu", "convenience_store", "罗森", None,
     ["hot_water", "microwave", "seating", "cooling", "heating"], "24/7", "road", ("开鲁路", 0.8, 12)),
    ("好德便利·民星路店", "haode-minxinglu", "convenience_store", "好德便利", None,
     ["hot_water", "microwave", "cold_water"], "06:00-24:00", "road", ("民星路", 0.15, 12)),
    ("快客便利·市光路店", "kuaike-shiguanglu", "convenience_store", "快客便利", None,
     ["hot_water", "microwave", "seating", "power_bank"], "24/7", "road", ("市光路", 0.4, 12)),
    ("民星一村居委会爱心驿站", "minxing1-love", "love_station", "民星一村居委会", "021-60000106",
     ["hot_water", "seating", "phone_charging", "toilet"], "08:30-17:30", "compound", ("minxing1", 1, 30, 35)),
    ("户外职工爱心接力站·殷行路银行网点", "union-bank", "union_relay", "杨浦区总工会（设于银行网点）", None,
     ["hot_water", "cold_water", "seating", "toilet", "phone_charging", "cooling", "heating"],
     "Mo-Fr 09:00-17:00", "road", ("殷行路", 0.15, -12)),
    ("市光路公共厕所", "toilet-shiguanglu", "public", "杨浦区绿化和市容管理局", None,
     ["toilet"], "24/7", "road", ("市光路", 0.05, 12)),
    ("国和路街心绿地饮水点", "water-guohelu", "public", "殷行街道", None,
     ["cold_water", "seating"], "06:00-22:00", "road", ("国和路", 0.15, -12)),
    ("殷行社区食堂（骑手优惠）", "canteen", "partner_shop", "殷行街道社区食堂", "021-60000107",
     ["hot_water", "seating", "toilet", "cooling", "heating"], "10:30-13:30,16:30-19:30", "road", ("民庆路", 0.62, -12)),
    ("殷行街道新就业群体暖心驿站·政立路", "zhenglilu-24h", "love_station", "殷行街道党工委", "021-60000108",
     ["hot_water", "cold_water", "microwave", "seating", "phone_charging", "ebike_parking", "heating", "cooling"],
     "24/7", "road", ("政立路", 0.4, 12)),
]


def build_rest_stops(comps):
    by_slug = {c["slug"]: c for c in comps}
    out = []
    for name, slug, kind, host, contact, amenities, hours, where, spec in REST_STOPS:
        p = {"kind": "rest_stop", "source": f"demo:rest:{slug}", "name": name}
        comp = None
        if where == "road":
            road, frac, side_m = spec
            lat, lon = road_point(road, frac, side_m)
            p["address"] = road_address(road, lat, lon)
            p["grid"] = grid_at(lat, lon)
        else:
            comp = by_slug[spec[0]]
            lat, lon = inside_point(comp, spec[1], spec[2], spec[3])
            where_in = "奉献园" if slug == "fengxianyuan" else "居委会"
            p["address"] = f"{comp['address']}{comp['name']}内（{where_in}）"
            p["grid"] = comp["grid"]
            p["compound"] = comp["name"]
        p["stop_kind"] = kind
        p["host"] = host
        if contact:
            p["contact"] = contact
        p["amenities"] = amenities
        p["opening_hours"] = hours
        if slug == "fengxianyuan":
            p["note"] = "党建微花园“奉献园”，志愿服务、法律服务与户外劳动者歇脚点"
            p["verified_at"] = "2026-11-18T02:00:00Z"
        elif slug == "zhenglilu-24h":
            p["note"] = "夜间自助开放，扫码开门取热水"
            p["verified_at"] = maybe_verified(p_none=0.0)
        else:
            v = maybe_verified()
            if v:
                p["verified_at"] = v
        out.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": p})
    return out


# ---------------------------------------------------------------- assemble, check, write


def build():
    comps = build_compounds()
    entrances = build_entrances(comps)
    # Remember gate positions in local frames for placing things just inside a gate.
    by_name = {c["name"]: c for c in comps}
    for c in comps:
        c["gate_local"] = {}
    for g in entrances:
        p = g["properties"]
        comp = by_name[p["compound"]]
        num = int(p["source"].rsplit("-", 1)[1])
        lon, lat = g["geometry"]["coordinates"]
        # Invert the frame (rotation is small; solve exactly).
        fr = comp["frame"]
        xr, yr = (lon - fr.lon) * M_LON, (lat - fr.lat) * M_LAT
        x, y = xr * fr.c + yr * fr.s, -xr * fr.s + yr * fr.c
        best = None
        ring = comp["ring"]
        for i in range(len(ring)):
            x1, y1 = ring[i]
            x2, y2 = ring[(i + 1) % len(ring)]
            d = seg_dist(x, y, x1, y1, x2, y2)
            if best is None or d < best[0]:
                length = math.hypot(x2 - x1, y2 - y1)
                best = (d, (y2 - y1) / length, -(x2 - x1) / length)
        comp["gate_local"][num] = (x, y, best[1], best[2])
    chargers = build_chargers(comps)
    rest_stops = build_rest_stops(comps)
    grids = [
        {"type": "Feature", "geometry": None,
         "properties": {"kind": "grid", "source": f"demo:grid:{code}", "code": code, "name": name}}
        for code, name in GRIDS
    ]
    compounds = [compound_feature(c) for c in comps]
    osm = base_layer(comps, compounds)
    features = grids + compounds + entrances + chargers + rest_stops
    return {"type": "FeatureCollection", "ridermap:note": NOTE, "features": features}, osm


# ---------------------------------------------------------------- the base layer (OSM XML)

# Compounds with lanes, footprints and doors (rectangles, so their lanes are a simple lattice).
WITH_LANES = ["kailu6", "kailu2", "minxing1"]
INSET = 10.0  # the ring lane runs this far inside the outline
SLAB_DEPTH = 12.0


def base_layer(comps, compound_features):
    """The OSM XML text of the demo's base layer; adds footprints and doors to the compounds in
    WITH_LANES (in `compound_features`). Uses no random numbers: the GeoJSON stays as it was."""
    nodes = {}  # (lon, lat) -> (id, tags)
    ways = []  # (tags, [node ids])

    def node(p, tags=None):
        key = (round(p[0], 7), round(p[1], 7))
        if key not in nodes:
            nodes[key] = (len(nodes) + 1, tags or {})
        elif tags:
            nodes[key][1].update(tags)
        return nodes[key][0]

    def way(points, **tags):
        ids = [node(p) for p in points]
        ways.append((tags, [i for k, i in enumerate(ids) if k == 0 or i != ids[k - 1]]))

    # Streets: every crossing of the lattice is a shared node; gates' service roads add more.
    ew = {i: [] for i in range(ROWS + 1)}  # extra lons on east-west road i
    ns = {j: [] for j in range(COLS + 1)}  # extra lats on north-south road j
    by_slug = {c["slug"]: c for c in comps}
    features = {f["properties"]["source"]: f for f in compound_features}
    for slug in WITH_LANES:
        comp = by_slug[slug]
        fr = comp["frame"]
        hw, hh = comp["w"] / 2, comp["h"] / 2
        rx0, ry0, rx1, ry1 = -hw + INSET, -hh + INSET, hw - INSET, hh - INSET
        rows = sorted({round(y, 6) for _, _, y in comp["blocks"]}, reverse=True)
        cols = sorted({round(x, 6) for _, x, _ in comp["blocks"]})
        spacing = (cols[-1] - cols[0]) / max(1, len(cols) - 1) if len(cols) > 1 else 80.0
        slab_w = min(60.0, spacing - 16.0)
        # Lanes between rows, joined to the ring's west and east sides.
        lane_ys = [(a + b) / 2 for a, b in zip(rows, rows[1:])]
        ring_pts = {"W": [ry0, ry1] + lane_ys, "E": [ry0, ry1] + lane_ys, "S": [rx0, rx1], "N": [rx0, rx1]}
        for y in lane_ys:
            way([fr.to_lonlat(rx0, y), fr.to_lonlat(rx1, y)], highway="service")
        # Gates: a lane in from each, a service road out to its street; the fence opens at it.
        fence_extra = {"W": [], "E": [], "S": [], "N": []}
        for num, (gx, gy, nx, ny) in sorted(comp["gate_local"].items()):
            side = max(SIDE_VEC, key=lambda k: SIDE_VEC[k][0] * nx + SIDE_VEC[k][1] * ny)
            ix, iy = gx - nx * INSET, gy - ny * INSET
            way([fr.to_lonlat(gx, gy), fr.to_lonlat(ix, iy)], highway="service")
            ring_pts[side].append(iy if side in "WE" else ix)
            fence_extra[side].append(gy if side in "WE" else gx)
            glon, glat = fr.to_lonlat(gx, gy)
            row, col = comp["row"], comp["col"]
            if side == "N":
                end = [glon, NORTH - row * ROW_H]
                ew[row].append(end[0])
            elif side == "S":
                end = [glon, NORTH - (row + 1) * ROW_H]
                ew[row + 1].append(end[0])
            elif side == "W":
                end = [WEST + col * COL_W, glat]
                ns[col].append(end[1])
            else:
                end = [WEST + (col + 1) * COL_W, glat]
                ns[col + 1].append(end[1])
            way([[glon, glat], end], highway="service")

        def side_line(side, extra, x0, y0, x1, y1):
            if side in "WE":
                x = x0 if side == "W" else x1
                return [fr.to_lonlat(x, y) for y in sorted(set([y0, y1] + extra))]
            y = y0 if side == "S" else y1
            return [fr.to_lonlat(x, y) for x in sorted(set([x0, x1] + extra))]

        # The ring lane, with a node wherever another lane meets it.
        for side in "SENW":
            way(side_line(side, ring_pts[side], rx0, ry0, rx1, ry1), highway="service")
        # The fence on the outline, its only openings the gates (nodes shared with their lanes).
        for side in "SENW":
            way(side_line(side, fence_extra[side], -hw, -hh, hw, hh), barrier="fence")
        if slug == "minxing1":
            # An inner wall cutting the southern lanes at x = 0: the south-west is reached from the west.
            way([fr.to_lonlat(0.0, ry0 + 3.0), fr.to_lonlat(0.0, (rows[len(rows) // 2] + rows[-1]) / 2 + 3.0)],
                barrier="wall")
        # Slabs with their unit doors on the north side, in the base layer and on the compound.
        buildings = {b["number"]: b for b in features[f"demo:{slug}"]["properties"]["buildings"]}
        for num, bx, by in comp["blocks"]:
            x0, x1, y0, y1 = bx - slab_w / 2, bx + slab_w / 2, by - SLAB_DEPTH / 2, by + SLAB_DEPTH / 2
            units = 3 if slab_w >= 45 else 2
            door_xs = [x0 + slab_w * (k + 0.5) / units for k in range(units)]
            ring = [fr.to_lonlat(x0, y0), fr.to_lonlat(x1, y0), fr.to_lonlat(x1, y1)]
            ring += [fr.to_lonlat(x, y1) for x in reversed(door_xs)]
            ring += [fr.to_lonlat(x0, y1)]
            doors = []
            for k, x in enumerate(door_xs):
                lon, lat = fr.to_lonlat(x, y1)
                node([lon, lat], {"entrance": "staircase", "ref": str(k + 1)})
                doors.append({"unit": str(k + 1), "lon": lon, "lat": lat})
            way(ring + [ring[0]], building="residential", **{"addr:housenumber": num})
            b = buildings[num]
            b["footprint"] = [fr.to_lonlat(x0, y0), fr.to_lonlat(x1, y0), fr.to_lonlat(x1, y1), fr.to_lonlat(x0, y1)]
            b["doors"] = doors
    for i, name in enumerate(EW_ROADS):
        lat = NORTH - i * ROW_H
        lons = sorted(set([WEST + j * COL_W for j in range(COLS + 1)] + ew[i]))
        way([[lon, lat] for lon in lons], highway="secondary", name=name)
    for j, name in enumerate(NS_ROADS):
        lon = WEST + j * COL_W
        lats = sorted(set([NORTH - i * ROW_H for i in range(ROWS + 1)] + ns[j]), reverse=True)
        way([[lon, lat] for lat in lats], highway="tertiary", name=name)

    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<osm version="0.6" generator="assets/make_demo.py (illustrative, not surveyed)">']
    for (lon, lat), (nid, tags) in sorted(nodes.items(), key=lambda kv: kv[1][0]):
        if tags:
            out.append(f'  <node id="{nid}" lat="{lat:.7f}" lon="{lon:.7f}">')
            out += [f'    <tag k="{k}" v="{v}"/>' for k, v in sorted(tags.items())]
            out.append("  </node>")
        else:
            out.append(f'  <node id="{nid}" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    for k, (tags, ids) in enumerate(ways, start=1):
        out.append(f'  <way id="{k}">')
        out += [f'    <nd ref="{i}"/>' for i in ids]
        out += [f'    <tag k="{t}" v="{v}"/>' for t, v in sorted(tags.items())]
        out.append("  </way>")
    out.append("</osm>")
    return "\n".join(out) + "\n"


def validate(fc):
    problems = []

    def bad(msg):
        problems.append(msg)

    def in_box(lon, lat, what):
        if not (LAT_MIN <= lat <= LAT_MAX and LON_MIN <= lon <= LON_MAX):
            bad(f"{what}: [{lon}, {lat}] outside the Yinhang box")

    feats = fc["features"]
    grids = [f["properties"]["code"] for f in feats if f["properties"]["kind"] == "grid"]
    comps = {f["properties"]["name"]: f for f in feats if f["properties"]["kind"] == "compound"}
    sources = [f["properties"]["source"] for f in feats]
    if len(set(sources)) != len(sources):
        bad("duplicate sources")
    order = ["grid", "compound", "entrance", "charger", "rest_stop"]
    kinds = [order.index(f["properties"]["kind"]) for f in feats]
    if kinds != sorted(kinds):
        bad("features not in grid, compound, entrance, charger, rest_stop order")
    rings = {}
    for name, f in comps.items():
        ring = f["geometry"]["coordinates"][0]
        if ring[0] != ring[-1]:
            bad(f"{name}: ring not closed")
        pts = [((lon - LON_MIN) * M_LON, (lat - LAT_MIN) * M_LAT) for lon, lat in ring[:-1]]
        rings[name] = pts
        for lon, lat in ring:
            in_box(lon, lat, name)
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        if not (150 <= max(max(xs) - min(xs), max(ys) - min(ys)) <= 410):
            bad(f"{name}: size out of range")
        b = f["properties"]["buildings"]
        if not 8 <= len(b) <= 40:
            bad(f"{name}: {len(b)} buildings")
        nums = [x["number"] for x in b]
        if len(set(nums)) != len(nums):
            bad(f"{name}: duplicate building numbers")
        for x in b:
            in_box(x["lon"], x["lat"], name)
            if not point_in_poly((x["lon"] - LON_MIN) * M_LON, (x["lat"] - LAT_MIN) * M_LAT, pts):
                bad(f"{name}: building {x['number']} outside outline")
    names = sorted(rings)
    for i, a in enumerate(names):  # no two outlines overlap (vertex-in-polygon or edge crossing)
        for bname in names[i + 1:]:
            ra, rb = rings[a], rings[bname]
            if any(point_in_poly(x, y, rb) for x, y in ra) or any(point_in_poly(x, y, ra) for x, y in rb):
                bad(f"{a} overlaps {bname}")
            elif min(ring_dist(x, y, rb) for x, y in ra) < 20:
                bad(f"{a} is within 20 m of {bname}")
    for f in feats:
        p = f["properties"]
        k = p["kind"]
        if k == "grid":
            if f["geometry"] is not None:
                bad(f"{p['source']}: grid with geometry")
            continue
        if not p.get("name") or p.get("grid") not in grids:
            bad(f"{p['source']}: missing name or unknown grid {p.get('grid')}")
        if "compound" in p and p["compound"] not in comps:
            bad(f"{p['source']}: unknown compound {p['compound']}")
        if k == "compound":
            continue
        lon, lat = f["geometry"]["coordinates"]
        in_box(lon, lat, p["source"])
        x, y = (lon - LON_MIN) * M_LON, (lat - LAT_MIN) * M_LAT
        if k == "entrance":
            if p["gate_kind"] not in GATE_KINDS or p["ebike"] not in EBIKE or p["access_method"] not in ACCESS:
                bad(f"{p['source']}: bad enum")
            if p["foot"] != (p["gate_kind"] != "vehicle"):
                bad(f"{p['source']}: foot")
            if ring_dist(x, y, rings[p["compound"]]) > 1.0:
                bad(f"{p['source']}: gate not on outline")
            if ("stop_lat" in p) != ("stop_lon" in p):
                bad(f"{p['source']}: stop_lat/stop_lon")
            if "stop_lat" in p:
                in_box(p["stop_lon"], p["stop_lat"], p["source"])
                d = dist_m(lat, lon, p["stop_lat"], p["stop_lon"])
                sx, sy = (p["stop_lon"] - LON_MIN) * M_LON, (p["stop_lat"] - LAT_MIN) * M_LAT
                if not 9.5 <= d <= 30.5 or point_in_poly(sx, sy, rings[p["compound"]]):
                    bad(f"{p['source']}: stop point {d:.1f} m away or inside")
            nums = [b["number"] for b in comps[p["compound"]]["properties"]["buildings"]]
            for n in p.get("buildings_served", []):
                if n not in nums:
                    bad(f"{p['source']}: serves unknown building {n}")
        else:
            inside = [n for n, r in rings.items() if point_in_poly(x, y, r)]
            expect = [p["compound"]] if p.get("compound") else []
            if inside != expect:
                bad(f"{p['source']}: inside {inside}, expected {expect}")
        if k == "charger":
            if p["charger_kind"] not in CHARGER_KINDS:
                bad(f"{p['source']}: charger_kind")
            if p["inside_compound"] != ("compound" in p):
                bad(f"{p['source']}: inside_compound vs compound")
            if not all(s.endswith("V") and s[:-1].isdigit() for s in p["battery_standards"]):
                bad(f"{p['source']}: battery_standards")
            if not isinstance(p["slots"], int):
                bad(f"{p['source']}: slots")
        if k == "rest_stop":
            if p["stop_kind"] not in STOP_KINDS or any(a not in AMENITIES for a in p["amenities"]):
                bad(f"{p['source']}: bad enum")
            if "contact" in p and not p["contact"].startswith("021-6"):
                bad(f"{p['source']}: contact")
    points = [(f["properties"]["source"], f["geometry"]["coordinates"]) for f in feats
              if f["properties"]["kind"] in ("charger", "rest_stop")]
    for i, (a, pa) in enumerate(points):
        for b, pb in points[i + 1:]:
            if dist_m(pa[1], pa[0], pb[1], pb[0]) < 15:
                bad(f"{a} and {b} are less than 15 m apart")
    return problems


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "yinhang-demo.geojson")
    out_osm = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(out), "yinhang-demo.osm")
    fc, osm = build()
    problems = validate(fc)
    if problems:
        for p in problems:
            print("problem:", p, file=sys.stderr)
        sys.exit(1)
    text = json.dumps(fc, ensure_ascii=False, indent=1) + "\n"
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    counts = {}
    for f in fc["features"]:
        k = f["properties"]["kind"]
        counts[k] = counts.get(k, 0) + 1
    print(f"wrote {out}: {len(text.encode('utf-8'))} bytes, {counts}")
    with open(out_osm, "w", encoding="utf-8", newline="\n") as f:
        f.write(osm)
    print(f"wrote {out_osm}: {len(osm.encode('utf-8'))} bytes")


if __name__ == "__main__":
    main()
