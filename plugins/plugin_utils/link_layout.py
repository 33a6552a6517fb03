# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where things go in the report's SVGs: hosts and cables of the topology diagram, bars of a link's chart.

Pure functions over plain data (no Ansible import); link_text.link_report calls them.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import math

# The diagram: an SVG of LAYOUT_WIDTH x LAYOUT_HEIGHT user units that the page scales to its width.
LAYOUT_WIDTH, LAYOUT_HEIGHT = 880, 460
HOST_FONT, HOST_FONT_MIN, DOMAIN_FONT, HOST_BOX_MIN, HOST_BOX_MAX = 14, 10, 11, 120, 260
CHAR_EM = 0.6  # average width of a sans-serif character in em (a safe estimate for host names and labels)
LABEL_FONT, LABEL_LINE, LABEL_GAP = 12, 14, 10


def _fit(text, room, size, smallest):
    """(text, font size) fitting ``room`` user units: a smaller font first, then an ellipsis."""
    if len(text) * CHAR_EM * size > room:
        size = max(smallest, int(room / (len(text) * CHAR_EM)))
    keep = int(room / (CHAR_EM * size))
    return (text if len(text) <= keep else text[:max(1, keep - 1)] + u'\u2026'), size


def _host_lines(name, box_w):
    """The lines of a host box: the host, and its domain (an FQDN's rest) smaller below it."""
    head, dot, tail = name.partition('.')
    room = box_w - 14
    lines = [dict(zip(('text', 'size'), _fit(head if dot else name, room, HOST_FONT, HOST_FONT_MIN)))]
    if dot and tail:
        lines.append(dict(zip(('text', 'size'), _fit('.' + tail, room, DOMAIN_FONT, 9))))
    return lines


def _overlap(a, b, pad=3.0):
    """Overlap area of two boxes [left, top, width, height], grown by ``pad``."""
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]) + 2 * pad
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]) + 2 * pad
    return w * h if w > 0 and h > 0 else 0.0


def _crosses(seg, box, pad=3.0):
    """Whether the line segment (x1, y1, x2, y2) passes through the box [left, top, width, height] (grown by ``pad``)."""
    x1, y1, x2, y2 = seg
    left, top, right, bottom = box[0] - pad, box[1] - pad, box[0] + box[2] + pad, box[1] + box[3] + pad
    t0, t1 = 0.0, 1.0
    dx, dy = x2 - x1, y2 - y1
    for p, q in ((-dx, x1 - left), (dx, right - x1), (-dy, y1 - top), (dy, bottom - y1)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / float(p)
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


def _label_at(seg, t, normal, lines, width, height):
    """A label box beside point ``t`` (0..1) of the segment, on the side of ``normal``: {x, y, anchor, lines, box}."""
    x1, y1, x2, y2 = seg
    nx, ny = normal
    px, py = x1 + (x2 - x1) * t + nx * LABEL_GAP, y1 + (y2 - y1) * t + ny * LABEL_GAP
    text_w = max(len(line) for line in lines) * CHAR_EM * LABEL_FONT
    block_h = LABEL_LINE * len(lines)
    anchor = ('start' if nx > 0 else 'end') if abs(nx) > 0.4 else 'middle'
    top = py - block_h if ny < 0 else py  # above the point when the side is up, below it otherwise
    if abs(nx) > 0.4 and abs(ny) <= 0.4:
        top = py - block_h / 2.0
    left = {'start': px, 'end': px - text_w, 'middle': px - text_w / 2.0}[anchor]
    left = min(max(left, 4.0), width - text_w - 4.0)
    top = min(max(top, 2.0), height - block_h - 2.0)
    x = {'start': left, 'end': left + text_w, 'middle': left + text_w / 2.0}[anchor]
    return {'x': round(x, 1), 'y': round(top + LABEL_FONT - 1, 1), 'anchor': anchor, 'lines': list(lines),
            'box': [round(left, 1), round(top, 1), round(text_w, 1), block_h]}


def _place_label(seg, centre, lines, obstacles, segments, width, height):
    """The first spot beside the cable (middle first, then along it, away from the centre first) whose label covers
    no host box, no label placed before and no cable line; else the spot with the least overlap."""
    x1, y1, x2, y2 = seg
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    nx, ny = -(y2 - y1) / length, (x2 - x1) / length
    mx, my = (x1 + x2) / 2.0, (y1 + y2) / 2.0
    side = (mx - centre[0]) * nx + (my - centre[1]) * ny
    if abs(side) < 1e-6:
        side = nx if abs(nx) > 1e-6 else -ny  # a line through the centre: right of it (or above)
    normals = [(nx, ny), (-nx, -ny)] if side > 0 else [(-nx, -ny), (nx, ny)]
    best = None
    for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78):
        for normal in normals:
            label = _label_at(seg, t, normal, lines, width, height)
            cost = sum(_overlap(label['box'], o) for o in obstacles)
            cost += sum(400.0 for other in segments if _crosses(other, label['box']))
            if cost == 0:
                return label
            if best is None or cost < best[0]:
                best = (cost, label)
    return best[1]


def layout(host_names, links, labels=None, width=LAYOUT_WIDTH, height=LAYOUT_HEIGHT, box_h=44):
    """Hosts on an ellipse (a row for two), cables as straight lines with their labels beside them: SVG coordinates.

    The boxes are as wide as the longest host name needs (HOST_BOX_MIN to HOST_BOX_MAX); an FQDN shows its host on
    the first line and its domain below; what is still too long gets a smaller font, then an ellipsis (the page shows
    the whole name as the box's tooltip). ``labels``: {link name: [lines]}; a label covers no box, cable or label.
    """
    n = len(host_names)
    longest = max([len(part) + 1 for h in host_names for part in h.split('.', 1)] or [0])
    box_w = int(min(HOST_BOX_MAX, max(HOST_BOX_MIN, longest * CHAR_EM * HOST_FONT + 24)))
    cx, cy = width / 2.0, height / 2.0
    rx, ry = (width - box_w) / 2.0 - 16, (height - box_h) / 2.0 - 16
    pos = {}
    for i, name in enumerate(host_names):
        if n == 1:
            x, y = cx, cy
        elif n == 2:
            x, y = cx + (i * 2 - 1) * min(rx, 260), cy
        else:
            angle = -math.pi / 2 + 2 * math.pi * i / n
            x, y = cx + rx * math.cos(angle), cy + ry * math.sin(angle)
        pos[name] = {'x': round(x, 1), 'y': round(y, 1), 'lines': _host_lines(name, box_w)}
    pairs, drawn = {}, []
    for link in links or []:
        a, b = (link.get('a') or {}).get('host'), (link.get('b') or {}).get('host')
        if a in pos and b in pos:
            pairs.setdefault(tuple(sorted((a, b))), []).append(link)
            drawn.append(link)
    segments = []
    for link in drawn:
        a, b = link['a']['host'], link['b']['host']
        group = pairs[tuple(sorted((a, b)))]
        shift = (group.index(link) - (len(group) - 1) / 2.0) * 16  # parallel cables side by side
        x1, y1, x2, y2 = pos[a]['x'], pos[a]['y'], pos[b]['x'], pos[b]['y']
        length = math.hypot(x2 - x1, y2 - y1) or 1.0
        ox, oy = -(y2 - y1) / length * shift, (x2 - x1) / length * shift
        segments.append((x1 + ox, y1 + oy, x2 + ox, y2 + oy))
    obstacles = [[p['x'] - box_w / 2.0, p['y'] - box_h / 2.0, box_w, box_h] for p in pos.values()]
    cables = []
    for link, seg in zip(drawn, segments):
        lines = list((labels or {}).get(link.get('name')) or [link.get('name') or ''])
        label = _place_label(seg, (cx, cy), lines, obstacles, segments, width, height)
        obstacles.append(label['box'])
        x1, y1, x2, y2 = seg
        cables.append({'name': link.get('name'), 'x1': round(x1, 1), 'y1': round(y1, 1), 'x2': round(x2, 1),
                       'y2': round(y2, 1), 'mx': round((x1 + x2) / 2.0, 1), 'my': round((y1 + y2) / 2.0, 1),
                       'label': label})
    return {'width': width, 'height': height, 'box_w': box_w, 'box_h': box_h, 'hosts': pos, 'cables': cables}


# A link's chart: one bar per value, CHART_BAR_W user units for the largest, its value to the right of it.
CHART_BAR_W, CHART_ROW = 420, 26
CHART_FILLS = ('#90a4ae', '#35618f', '#7cb342', '#2e7d32')
CHART_FILL_WARNED = '#ef6c00'  # the PCIe ceiling bar of a link with warnings


def chart(bars, warned=False):
    """SVG coordinates of a link's bar chart: ``bars`` as link_text._bars gives them (declared, negotiated, PCIe
    ceiling, measured: each with ``label``, ``gbps``, ``pct``); ``warned``: the link has warnings (its PCIe ceiling
    bar is orange). Returns {width, height, bars: [{label, y, text_y, width, value_x, fill, value}]}."""
    fills = list(CHART_FILLS)
    if warned:
        fills[2] = CHART_FILL_WARNED
    out = []
    for i, row in enumerate(bars or []):
        width = round(CHART_BAR_W * row['pct'] / 100, 1)
        out.append({'label': row['label'], 'y': i * CHART_ROW + 4, 'text_y': i * CHART_ROW + 18, 'width': width,
                    'value_x': 106 + width, 'fill': fills[i],
                    'value': '%.1f Gb/s' % row['gbps'] if row['gbps'] is not None else 'n/a'})
    return {'width': CHART_BAR_W + 220, 'height': len(bars or []) * CHART_ROW + 8, 'bars': out}
