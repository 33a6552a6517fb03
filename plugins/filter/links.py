# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The link filter a playbook of its own may use: iperf3's throughput in Gb/s (plugin_utils/link_iperf.py).

The link_check role itself calls its action plugins (link_plan, link_evaluate, link_iperf, link_report)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.homelab.connectx.plugins.plugin_utils import link_iperf


class FilterModule(object):
    """homelab.connectx link filters."""

    def filters(self):
        return {
            'connectx_iperf_gbps': link_iperf.iperf_gbps,
        }
