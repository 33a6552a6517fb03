# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The cells of the link report (plugin_utils/link_text.py) and the links.py facade over the split modules."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import markupsafe
import pytest

from ansible_collections.homelab.connectx.plugins.plugin_utils import link_text, links

# What plugin_utils/links.py offered before it was split by job: every name still answers there.
FACADE = [
    'CHAR_EM', 'DOMAIN_FONT', 'FDR_LANE_MBPS', 'HOST_BOX_MAX', 'HOST_BOX_MIN', 'HOST_FONT', 'HOST_FONT_MIN', 'LABEL_FONT',
    'LABEL_GAP', 'LABEL_LINE', 'LAYOUT_HEIGHT', 'LAYOUT_WIDTH', 'MELLANOX_56G_CABLES', 'MELLANOX_OUI', 'PCIE_GEN',
    'SENTENCE_56G', 'STATUS_ORDER', '_crosses', '_overlap', 'address_problems', 'cable_label', 'cable_text',
    'capable_56g', 'evaluate_end', 'evaluate_ends', 'iperf_gbps', 'iperf_measurements', 'is_mellanox', 'layout',
    'link_ends', 'link_problems', 'link_report', 'links_in_run', 'merge_links', 'module_name', 'module_present',
    'pcie_words', 'ping_peers',
]


def test_the_facade_keeps_every_name():
    assert [name for name in FACADE if not hasattr(links, name)] == []
    assert sorted(links.__all__) == sorted(name for name in FACADE if not name.startswith('_'))


@pytest.mark.parametrize('text', ['plain', '<b>&"\'</b>', 'a & b', u'caf\u00e9 \u2014 ok', 42, 1.5, None])
def test_escape_writes_what_the_jinja_e_filter_writes(text):
    assert link_text._escape(text) == u'%s' % markupsafe.escape(text)


def _report(module, cable_summary='Acme X|Y (DAC, 1 m)'):
    link = {'name': 'l<1>', 'a': {'host': 'h1', 'iface': 'e1'}, 'b': {'host': 'h2', 'iface': 'e1'}, 'speed_mbps': 40000}
    ends = []
    for side, host in (('a', 'h1'), ('b', 'h2')):
        end = links.link_ends([link], host, {}, run_hosts=['h1', 'h2'])[0]
        state = {'speed_mbps': 40000, 'carrier': True, 'duplex': 'full', 'driver': 'mlx4_en', 'mtu': 1500,
                 'module': dict(module, summary=cable_summary) if module.get('kind') != 'none' else dict(module)}
        ends.append(links.evaluate_end(end, state, 0, None, ping=False))
    return links.link_report([link], ends)['links'][0]


def test_cells_are_ready_to_print():
    entry = _report({'kind': 'dac', 'present': True, 'vendor': 'Acme', 'part_number': 'X'})
    md, html = entry['md'], entry['html']
    assert md['cable'] == 'Acme X/Y (DAC, 1 m)'  # never the table's column separator
    assert md['declared'] == '40.0 Gb/s' and md['negotiated'] == '40.0 Gb/s' and md['ceiling'] == 'unknown'
    assert [row['side'] for row in md['ends']] == ['a', 'b'] and md['ends'][0]['cable'] == 'Acme X/Y (DAC, 1 m)'
    assert md['ends'][0]['card'] == '-' and md['ends'][0]['carrier'] == 'yes' and md['ends'][0]['pcie'] == '-'
    assert html['title'] == 'l&lt;1&gt;: ok - Acme X|Y (DAC, 1 m)'
    assert html['speed'] == '40 Gb/s declared<br><span class="sub">40 Gb/s now</span>'
    assert html['why'] == '-' and html['ends'][1]['link'] == '40000 Mb/s full'
    assert [row['value'] for row in html['chart']['bars']] == ['40.0 Gb/s', '40.0 Gb/s', 'n/a', 'n/a']


@pytest.mark.parametrize('reason, md_text, html_text', [
    ('no_module', 'no module', 'no module'),
    ('unsupported', 'unsupported', 'not readable here'),
    ('unknown', 'unknown', 'unknown'),
    ('', '-', '-'),
])
def test_a_module_that_was_not_read_is_said_in_words(reason, md_text, html_text):
    entry = _report({'kind': 'none', 'reason': reason, 'present': False if reason == 'no_module' else None})
    assert entry['md']['ends'][0]['cable'] == md_text and entry['html']['ends'][0]['cable'] == html_text


def test_a_value_the_template_module_printed_bare_is_empty_when_none():
    # The templates printed the PCIe widths bare, and the template module prints None as '' (Ansible's finalize).
    end = {'host': 'h1', 'iface': 'e1', 'state': {}, 'errors': [], 'missing': True,
           'pcie': {'speed_gts': 8.0, 'width': 4, 'max_speed_gts': None, 'max_width': None, 'ceiling_gbps': 31.5}}
    assert link_text._md_end('a', end)['pcie'] == '8.0 GT/s x4 /  GT/s x'
    assert link_text._html_end('a', end)['pcie'] == '8.0 GT/s x4 ( GT/s x): 31.5 / ? Gb/s'
    assert link_text._html_end('a', end)['link'] == 'not checked'
