# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Links between hosts: which ends a host has, what is wrong with each end, and the link report.

One name for the link code of several modules, one job each (``links.<name>`` keeps working for all of them):

* link_model.py: the declarations - merge_links, link_problems, links_in_run, link_ends;
* link_eval.py: one end against its declaration - evaluate_end(s), ping_peers, the card and module helpers;
* link_iperf.py: iperf3 results in Gb/s;
* link_diagnosis.py: why a link is not as declared - the reasons and likely causes, cable_text;
* link_text.py: the report model - link_report, with the cells of the Markdown and HTML tables ready to print;
* link_layout.py: the SVGs - the topology diagram and the charts.

Pure functions over plain data (no Ansible import): the link_check role calls them through the
``homelab.connectx`` filters, the report templates only print what they return.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.homelab.connectx.plugins.plugin_utils.link_diagnosis import SENTENCE_56G, cable_text
from ansible_collections.homelab.connectx.plugins.plugin_utils.link_eval import (
    FDR_LANE_MBPS, MELLANOX_56G_CABLES, MELLANOX_OUI, PCIE_GEN, capable_56g, evaluate_end, evaluate_ends, is_mellanox,
    module_name, module_present, pcie_words, ping_peers)
from ansible_collections.homelab.connectx.plugins.plugin_utils.link_iperf import iperf_gbps, iperf_measurements
from ansible_collections.homelab.connectx.plugins.plugin_utils.link_layout import (
    CHAR_EM, DOMAIN_FONT, HOST_BOX_MAX, HOST_BOX_MIN, HOST_FONT, HOST_FONT_MIN, LABEL_FONT, LABEL_GAP, LABEL_LINE,
    LAYOUT_HEIGHT, LAYOUT_WIDTH, layout)
# The layout's geometry helpers, for the tests that check a diagram with them.
from ansible_collections.homelab.connectx.plugins.plugin_utils.link_layout import _crosses, _overlap  # pylint: disable=unused-import
from ansible_collections.homelab.connectx.plugins.plugin_utils.link_model import (
    STATUS_ORDER, address_problems, link_ends, link_problems, links_in_run, merge_links)
from ansible_collections.homelab.connectx.plugins.plugin_utils.link_text import cable_label, link_report

__all__ = [
    'CHAR_EM', 'DOMAIN_FONT', 'FDR_LANE_MBPS', 'HOST_BOX_MAX', 'HOST_BOX_MIN', 'HOST_FONT', 'HOST_FONT_MIN', 'LABEL_FONT',
    'LABEL_GAP', 'LABEL_LINE', 'LAYOUT_HEIGHT', 'LAYOUT_WIDTH', 'MELLANOX_56G_CABLES', 'MELLANOX_OUI', 'PCIE_GEN',
    'SENTENCE_56G', 'STATUS_ORDER',
    'address_problems', 'cable_label', 'cable_text', 'capable_56g', 'evaluate_end', 'evaluate_ends', 'iperf_gbps',
    'iperf_measurements', 'is_mellanox', 'layout', 'link_ends', 'link_problems', 'link_report', 'links_in_run',
    'merge_links', 'module_name', 'module_present', 'pcie_words', 'ping_peers',
]
