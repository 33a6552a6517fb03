# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Markdown and HTML link reports say what each link gives and why."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from report_model import render


def test_markdown_report_lines():
    text = render('links.md.j2')
    assert '**1 OK, 1 degraded, 1 down**' in text
    rows = dict((line.split('|')[1].strip(), line) for line in text.splitlines() if line.startswith('| pve'))
    assert rows['pve1-pve2'].split('|')[2].strip() == 'DEGRADED'
    assert ('| 40.0 Gb/s | 40.0 Gb/s | Generic QSFP-40G-DAC1M (DAC, 1 m) | 31.5 / 28.8 Gb/s | a->b 27.40 Gb/s, b->a 27.90 Gb/s |'
            in rows['pve1-pve2'])
    assert 'limited by pve2:ens1 sits in PCIe 3.0 x4 (8 GT/s): ceiling 31.5 Gb/s raw' in rows['pve1-pve2']
    assert rows['pve3-ws1'].split('|')[2].strip() == 'DOWN'
    # One reason for the unplugged cable, with both ends in it (not one "carrier is down" per end and per ping).
    assert rows['pve3-ws1'].split('|')[8].strip() == (
        'carrier is down at both ends (pve3:ens1d1 and ws1:ens1) with a module in both cages (Mellanox MC2206310-003 (AOC, '
        '3 m)): the cable is broken, a fibre is unplugged, or a port is down')
    assert rows['pve1-pve3'].split('|')[2].strip() == 'OK'
    # The card by its model from the PSID table, then the PCI address; the cable in the port.
    assert ('| b | pve2:ens1 | 40000 Mb/s | full | yes | 1500 | mlx4_en | 2.42.5000 | MCX354A-FCBT (MT_1090120019), 0000:03:00.0 '
            '| Generic QSFP-40G-DAC1M (DAC, 1 m) | 8.0 GT/s x4 / 8.0 GT/s x8 | 31.5 Gb/s |') in text
    assert re.search(r'^\| pve1-pve3 \| OK \| 56.0 Gb/s \| 56.0 Gb/s \| Mellanox MC2207130-001 \(DAC, 1 m\) \|', text, re.M)


def test_html_report_is_self_contained_and_has_every_link():
    html = render('links.html.j2')
    assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', html), 'no network resources'
    assert html.count('<div class="link"') == 3
    assert html.count('<g class="cable"') == 3 and html.count('<g class="host"') == 4
    assert 'data-link="pve3-ws1" data-status="down"' in html
    assert 'stroke-dasharray' in html  # the unplugged cable is drawn dashed
    assert 'data-link="pve1-pve2" data-status="degraded"' in html
